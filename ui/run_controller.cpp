#include "ui/run_controller.h"

#include <QThread>

#include "ui/tuning_worker.h"

namespace afbs::ui {

RunController::RunController(QObject* parent)
    : QObject(parent), thread_(new QThread(this)), worker_(new TuningWorker) {
  thread_->setObjectName("tuningThread");
  worker_->moveToThread(thread_);
  connect(thread_, &QThread::finished, worker_, &QObject::deleteLater);
  connect(worker_, &TuningWorker::finished, this, [this] {
    running_ = false;
    Q_EMIT running_changed(false);
  });
  thread_->start();
}

RunController::~RunController() {
  closing_.store(true);
  worker_->request_cancel();
  thread_->quit();
  thread_->wait();
}

bool RunController::paused() const {
  return worker_->paused();
}

bool RunController::start(TuningJob job) {
  if (running_) return false;
  worker_->reset_flags();
  running_ = true;
  Q_EMIT running_changed(true);
  // A functor invoked on the worker runs on the worker's thread.
  QMetaObject::invokeMethod(
      worker_, [worker = worker_, job = std::move(job)] { worker->run(job); },
      Qt::QueuedConnection);
  return true;
}

void RunController::set_paused(bool paused) {
  if (worker_->paused() == paused) return;
  worker_->set_paused(paused);
  Q_EMIT paused_changed(paused);
}

void RunController::cancel() {
  worker_->request_cancel();
}

void RunController::run_on_worker(std::function<void(StopFlags)> task) {
  QMetaObject::invokeMethod(
      worker_,
      [task = std::move(task), closing = &closing_] {
        task(StopFlags{closing, nullptr});
      },
      Qt::QueuedConnection);
}

}  // namespace afbs::ui
