#include "core/common/thread_mailbox.h"

#include <utility>

namespace afbs {

void ThreadMailbox::post(Task task) {
  std::lock_guard lock(mutex_);
  tasks_.push_back(std::move(task));
}

bool ThreadMailbox::run_oldest() {
  Task task;
  {
    std::lock_guard lock(mutex_);
    if (tasks_.empty()) return false;
    task = std::move(tasks_.front());
    tasks_.pop_front();
  }
  task();
  return true;
}

}  // namespace afbs
