#include "ui/tuning_worker.h"

#include <exception>

#include "ui/tuning_bridge.h"

namespace afbs::ui {

TuningWorker::TuningWorker() : bridge_(new TuningBridge(this)) {
  register_tuning_metatypes();
  // The bridge emits on this object's thread, so these hops are direct; receivers in the GUI
  // thread get queued copies.
  connect(bridge_, &TuningBridge::evaluations, this, &TuningWorker::evaluations);
  connect(bridge_, &TuningBridge::layer_finished, this, &TuningWorker::layer_finished);
  connect(bridge_, &TuningBridge::progress, this, &TuningWorker::progress);
  connect(bridge_, &TuningBridge::log_line, this, &TuningWorker::log_line);
  connect(bridge_, &TuningBridge::quality, this, &TuningWorker::quality);
  connect(bridge_, &TuningBridge::phase, this, &TuningWorker::phase);
}

void TuningWorker::reset_flags() {
  cancel_.store(false);
  pause_.store(false);
}

void TuningWorker::run(const TuningJob& job) {
  engine::RunResult result;
  const engine::RunControl control{&cancel_, &pause_};
  try {
    if (job) {
      result = job(*bridge_, control);
    } else {
      result.message = "no tuning job was given";
    }
  } catch (const std::exception& error) {
    result = engine::RunResult{};
    result.message = std::string("tuning job failed: ") + error.what();
  } catch (...) {
    result = engine::RunResult{};
    result.message = "tuning job failed with an unknown exception";
  }
  bridge_->flush();  // every evaluation arrives before the result
  Q_EMIT finished(result);
}

}  // namespace afbs::ui
