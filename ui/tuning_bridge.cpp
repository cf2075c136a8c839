#include "ui/tuning_bridge.h"

namespace afbs::ui {

TuningBridge::TuningBridge(QObject* parent) : QObject(parent) {
  register_tuning_metatypes();
}

void TuningBridge::on_evaluation(const engine::EvaluationRecord& record) {
  Q_EMIT evaluation(record);
}

void TuningBridge::on_layer_finished(const engine::LayerResult& result) {
  Q_EMIT layer_finished(result);
}

void TuningBridge::on_progress(const engine::Progress& progress) {
  Q_EMIT this->progress(progress);
}

void TuningBridge::on_log(const std::string& line) {
  Q_EMIT log_line(QString::fromStdString(line));
}

void TuningBridge::on_quality(const engine::QualityPoint& point) {
  Q_EMIT quality(point);
}

void TuningBridge::on_phase(const engine::PhaseProgress& progress) {
  Q_EMIT phase(progress);
}

}  // namespace afbs::ui
