#pragma once

#include <QObject>
#include <atomic>
#include <functional>

#include "core/common/stop_flags.h"
#include "core/common/thread_mailbox.h"

#include "ui/tuning_job.h"

class QThread;

namespace afbs::ui {

class TuningBridge;
class TuningWorker;

// Owns the worker thread and the worker on it; starts jobs and sets the pause and cancel
// flags from the GUI thread. Connect views to reports()'s signals.
//
// Everything that crosses between the two threads goes through a ThreadMailbox, one per
// direction (to the worker, to the GUI): a task holding the values is posted, and a signal
// that carries nothing wakes the other side to run it. Qt's queued events order the wake-ups
// but never carry data, so ThreadSanitizer sees every hand-off (tools/tsan.sh).
class RunController : public QObject {
  Q_OBJECT
 public:
  explicit RunController(QObject* parent = nullptr);
  // Cancels a running job and waits for the thread to end.
  ~RunController() override;

  // Lives on the worker thread; deleted by the destructor once that thread has ended.
  TuningWorker* worker() const { return worker_; }
  // What the running job reports, emitted on the GUI thread.
  TuningBridge* reports() const { return reports_; }
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
  // Queues `task` on the GUI thread behind what was queued there before; any thread (the
  // worker's answers come back this way).
  void run_on_gui(std::function<void()> task);

 Q_SIGNALS:
  void running_changed(bool running);
  void paused_changed(bool paused);
  // Wake-ups only, never data: each says one task waits in that direction's mailbox.
  void posted_to_worker();
  void posted_to_gui();

 private:
  void post_to_worker(ThreadMailbox::Task task);

  QThread* thread_;
  TuningWorker* worker_;
  TuningBridge* reports_;
  ThreadMailbox to_worker_;
  ThreadMailbox to_gui_;
  bool running_ = false;
  std::atomic<bool> closing_{false};       // read by tasks from run_on_worker
  std::atomic<bool> thread_ended_{false};  // the end, for ThreadSanitizer (see the constructor)
};

}  // namespace afbs::ui
