#include "ui/tuning_bridge.h"

namespace afbs::ui {

TuningBridge::TuningBridge(QObject* parent) : QObject(parent) {
  register_tuning_metatypes();
}

void TuningBridge::on_evaluation(const engine::EvaluationRecord& record) {
  pending_.push_back(record);
  if (std::chrono::steady_clock::now() - last_flush_ >= kBatchInterval) flush();
}

void TuningBridge::flush() {
  last_flush_ = std::chrono::steady_clock::now();
  if (pending_.empty()) return;
  std::vector<engine::EvaluationRecord> batch;
  batch.swap(pending_);
  Q_EMIT evaluations(batch);
}

void TuningBridge::on_layer_finished(const engine::LayerResult& result) {
  flush();
  Q_EMIT layer_finished(result);
}

void TuningBridge::on_progress(const engine::Progress& progress) {
  flush();
  Q_EMIT this->progress(progress);
}

void TuningBridge::on_log(const std::string& line) {
  flush();
  Q_EMIT log_line(QString::fromStdString(line));
}

void TuningBridge::on_quality(const engine::QualityPoint& point) {
  flush();
  Q_EMIT quality(point);
}

void TuningBridge::on_phase(const engine::PhaseProgress& progress) {
  flush();
  Q_EMIT phase(progress);
}

}  // namespace afbs::ui
