#pragma once

#include <QObject>
#include <atomic>
#include <functional>

#include "core/common/stop_flags.h"

#include "ui/tuning_job.h"

class QThread;

namespace afbs::ui {

class TuningWorker;

// Owns the worker thread and the worker on it; starts jobs and sets the pause and cancel
// flags from the GUI thread. Connect views to worker()'s signals.
class RunController : public QObject {
  Q_OBJECT
 public:
  explicit RunController(QObject* parent = nullptr);
  // Cancels a running job and waits for the thread to end.
  ~RunController() override;

  TuningWorker* worker() const { return worker_; }
  bool running() const { return running_; }
  bool paused() const;

  // Queues job on the worker thread; returns false (and does nothing) while a run is going.
  bool start(TuningJob job);
  void set_paused(bool paused);
  void cancel();

  // Queues `task` on the worker thread behind what is queued there (a run in progress ends
  // first), for work that must not run on the GUI thread nor beside a run (the head inspector's
  // pictures). Its flags cancel it when the controller is destroyed.
  void run_on_worker(std::function<void(StopFlags)> task);

 Q_SIGNALS:
  void running_changed(bool running);
  void paused_changed(bool paused);

 private:
  QThread* thread_;
  TuningWorker* worker_;
  bool running_ = false;
  std::atomic<bool> closing_{false};  // read by tasks from run_on_worker
};

}  // namespace afbs::ui
