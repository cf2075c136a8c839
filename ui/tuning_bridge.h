#pragma once

#include <QObject>
#include <QString>
#include <chrono>
#include <functional>
#include <vector>

#include "core/engine/tuning_observer.h"
#include "ui/tuning_metatypes.h"

namespace afbs::ui {

// Adapts the engine's observers (tuning and phases) to Qt across threads. It lives on the GUI
// thread and its signals are emitted there; the observer calls come from the engine's thread,
// and each posts a task holding a copy of its value to the GUI thread (through `post_to_gui`),
// so the engine thread only pays for the copy and never waits on the GUI. Evaluations are
// batched (see `evaluations`).
class TuningBridge : public QObject, public engine::TuningObserver, public engine::PhaseObserver {
  Q_OBJECT
 public:
  using PostToGui = std::function<void(std::function<void()> task)>;

  explicit TuningBridge(PostToGui post_to_gui, QObject* parent = nullptr);

  // The engine's thread.
  void on_evaluation(const engine::EvaluationRecord& record) override;
  void on_layer_finished(const engine::LayerResult& result) override;
  void on_progress(const engine::Progress& progress) override;
  void on_log(const std::string& line) override;
  void on_quality(const engine::QualityPoint& point) override;
  void on_phase(const engine::PhaseProgress& progress) override;
  // The job's end: the evaluations held back, then the result.
  void on_finished(const engine::RunResult& result);

  // Emits the evaluations held back so far as one batch (every other report calls it first, so
  // the order of reports is kept).
  void flush();

  static constexpr auto kBatchInterval = std::chrono::milliseconds(40);

 Q_SIGNALS:
  // At most one batch per kBatchInterval: one task per redraw tick, not per record.
  void evaluations(const std::vector<afbs::engine::EvaluationRecord>& records);
  void layer_finished(const afbs::engine::LayerResult& result);
  void progress(const afbs::engine::Progress& progress);
  void log_line(const QString& line);
  void quality(const afbs::engine::QualityPoint& point);
  void phase(const afbs::engine::PhaseProgress& progress);
  void finished(const afbs::engine::RunResult& result);

 private:
  PostToGui post_to_gui_;
  std::vector<engine::EvaluationRecord> pending_;  // touched on the engine's thread only
  std::chrono::steady_clock::time_point last_flush_{};
};

}  // namespace afbs::ui
