#include "ui/tuning_worker.h"

#include <exception>

#include "ui/tuning_bridge.h"

namespace afbs::ui {

void TuningWorker::reset_flags() {
  cancel_.store(false);
  pause_.store(false);
}

void TuningWorker::run(const TuningJob& job, TuningBridge& reports) {
  engine::RunResult result;
  const engine::RunControl control{&cancel_, &pause_};
  try {
    if (job) {
      result = job(reports, control);
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
  reports.on_finished(result);
}

}  // namespace afbs::ui
