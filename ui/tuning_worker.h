#pragma once

#include <QObject>
#include <atomic>

#include "ui/tuning_job.h"

namespace afbs::ui {

class TuningBridge;

// Runs one tuning job at a time on the thread it was moved to, reporting through a
// TuningBridge. Cancel and pause are atomics that any thread sets directly (never queued, so
// they take effect while the worker's event loop is busy running the job); the engine reads
// them between evaluations.
class TuningWorker : public QObject {
  Q_OBJECT
 public:
  TuningWorker() = default;  // no parent: it is moved to its thread

  void request_cancel() { cancel_.store(true); }
  void set_paused(bool paused) { pause_.store(paused); }
  bool cancel_requested() const { return cancel_.load(); }
  bool paused() const { return pause_.load(); }
  // Clears both flags; call before queueing a new run.
  void reset_flags();

  // Executes job on the calling thread (the worker's) with `reports` as its observer, then
  // reports its result there. A job that throws is reported as a failed run, never propagated
  // into the event loop.
  void run(const TuningJob& job, TuningBridge& reports);

 private:
  std::atomic<bool> cancel_{false};
  std::atomic<bool> pause_{false};
};

}  // namespace afbs::ui
