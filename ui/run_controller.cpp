#include "ui/run_controller.h"

#include <QThread>

#include "ui/tuning_bridge.h"
#include "ui/tuning_worker.h"

namespace afbs::ui {

RunController::RunController(QObject* parent)
    : QObject(parent),
      thread_(new QThread(this)),
      worker_(new TuningWorker),
      reports_(new TuningBridge([this](ThreadMailbox::Task task) { run_on_gui(std::move(task)); },
                                this)) {
  thread_->setObjectName("tuningThread");
  worker_->moveToThread(thread_);
  // Qt ends the thread (quit, wait) through futexes ThreadSanitizer cannot see; this store,
  // the last of our code on the worker thread, pairs with a load in the destructor.
  connect(
      thread_, &QThread::finished, this, [this] { thread_ended_.store(true); },
      Qt::DirectConnection);
  // Each wake-up runs one task on the receiver's thread. Connected before the thread starts,
  // so the worker reads these connections only after they were made.
  connect(
      this, &RunController::posted_to_worker, worker_, [this] { to_worker_.run_oldest(); },
      Qt::QueuedConnection);
  connect(
      this, &RunController::posted_to_gui, this, [this] { to_gui_.run_oldest(); },
      Qt::QueuedConnection);
  connect(reports_, &TuningBridge::finished, this, [this] {
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
  (void)thread_ended_.load();  // what the worker thread did comes before what follows
  delete worker_;              // here, not on its ended thread, after the load above
}

bool RunController::paused() const {
  return worker_->paused();
}

bool RunController::start(TuningJob job) {
  if (running_) return false;
  worker_->reset_flags();
  running_ = true;
  Q_EMIT running_changed(true);
  post_to_worker(
      [worker = worker_, reports = reports_, job = std::move(job)] { worker->run(job, *reports); });
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
  post_to_worker([task = std::move(task), closing = &closing_] {
    task(StopFlags{closing, nullptr});
  });
}

void RunController::post_to_worker(ThreadMailbox::Task task) {
  to_worker_.post(std::move(task));
  Q_EMIT posted_to_worker();
}

void RunController::run_on_gui(std::function<void()> task) {
  to_gui_.post(std::move(task));
  Q_EMIT posted_to_gui();
}

}  // namespace afbs::ui
