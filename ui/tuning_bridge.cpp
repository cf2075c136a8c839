#include "ui/tuning_bridge.h"

namespace afbs::ui {

TuningBridge::TuningBridge(PostToGui post_to_gui, QObject* parent)
    : QObject(parent), post_to_gui_(std::move(post_to_gui)) {
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
  post_to_gui_([this, batch = std::move(batch)] { Q_EMIT evaluations(batch); });
}

void TuningBridge::on_layer_finished(const engine::LayerResult& result) {
  flush();
  post_to_gui_([this, result] { Q_EMIT layer_finished(result); });
}

void TuningBridge::on_progress(const engine::Progress& progress) {
  flush();
  post_to_gui_([this, progress] { Q_EMIT this->progress(progress); });
}

void TuningBridge::on_log(const std::string& line) {
  flush();
  post_to_gui_([this, line] { Q_EMIT log_line(QString::fromStdString(line)); });
}

void TuningBridge::on_quality(const engine::QualityPoint& point) {
  flush();
  post_to_gui_([this, point] { Q_EMIT quality(point); });
}

void TuningBridge::on_phase(const engine::PhaseProgress& progress) {
  flush();
  post_to_gui_([this, progress] { Q_EMIT phase(progress); });
}

void TuningBridge::on_finished(const engine::RunResult& result) {
  flush();  // every evaluation arrives before the result
  post_to_gui_([this, result] { Q_EMIT finished(result); });
}

}  // namespace afbs::ui
