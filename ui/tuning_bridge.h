#pragma once

#include <QObject>
#include <QString>

#include "core/engine/tuning_observer.h"
#include "ui/tuning_metatypes.h"

namespace afbs::ui {

// Adapts the engine's observers (tuning and phases) to Qt: each callback copies its value into a
// signal. Receivers in other threads get queued connections, so the engine thread only pays for the
// copy and never waits on the GUI.
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

 Q_SIGNALS:
  void evaluation(const afbs::engine::EvaluationRecord& record);
  void layer_finished(const afbs::engine::LayerResult& result);
  void progress(const afbs::engine::Progress& progress);
  void log_line(const QString& line);
  void quality(const afbs::engine::QualityPoint& point);
  void phase(const afbs::engine::PhaseProgress& progress);
};

}  // namespace afbs::ui
