#pragma once

#include <QObject>

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

 Q_SIGNALS:
  void running_changed(bool running);
  void paused_changed(bool paused);

 private:
  QThread* thread_;
  TuningWorker* worker_;
  bool running_ = false;
};

}  // namespace afbs::ui
