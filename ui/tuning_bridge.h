#pragma once

#include <QObject>
#include <QString>
#include <chrono>
#include <vector>

#include "core/engine/tuning_observer.h"
#include "ui/tuning_metatypes.h"

namespace afbs::ui {

// Adapts the engine's observers (tuning and phases) to Qt. Evaluations are batched: each callback
// copies its value into a signal. Receivers in other threads get queued connections, so the engine
// thread only pays for the copy and never waits on the GUI. (see `evaluations`).
class TuningBridge : public QObject, public engine::TuningObserver, public engine::PhaseObserver {
  Q_OBJECT
 public:
  explicit TuningBridge(QObject* parent = nullptr);

  void on_evaluation(const engine::EvaluationRecord& record) override;
  void on_layer_finished(const engine::LayerResult& result) override;
  void on_progress(const engine::Progress& progress) override;
  void on_log(const std::string& line) override;
  void on_quality(const engine::QualityPoint& point) override;
  void on_phase(const engine::PhaseProgress& progress) override;

  // Emits the evaluations held back so far as one batch (the worker calls it at the end of a
  // job; every other report calls it first, so the order of reports is kept).
  void flush();

  static constexpr auto kBatchInterval = std::chrono::milliseconds(40);

 Q_SIGNALS:
  // At most one batch per kBatchInterval: one queued event per redraw tick, not per record.
  void evaluations(const std::vector<afbs::engine::EvaluationRecord>& records);
  void layer_finished(const afbs::engine::LayerResult& result);
  void progress(const afbs::engine::Progress& progress);
  void log_line(const QString& line);
  void quality(const afbs::engine::QualityPoint& point);
  void phase(const afbs::engine::PhaseProgress& progress);

 private:
  std::vector<engine::EvaluationRecord> pending_;  // touched on the engine's thread only
  std::chrono::steady_clock::time_point last_flush_{};
};

}  // namespace afbs::ui
