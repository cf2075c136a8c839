#pragma once

#include <deque>
#include <functional>
#include <mutex>

namespace afbs {

// The one place where work and values cross between two threads of the workbench (the GUI
// thread and the tuning worker's): the sender posts a task that carries its values, then wakes
// the receiver with a signal that carries nothing; the receiver runs the oldest task once per
// wake-up. A plain std::mutex orders the two sides, so ThreadSanitizer sees every hand-off
// (Qt's own event queue locks with futexes it cannot see, as our Qt is not built with it).
// One wake-up per post, one task per wake-up: tasks run in the order posted, and one that
// throws leaves the others to their own wake-ups.
class ThreadMailbox {
 public:
  using Task = std::function<void()>;

  // Any thread.
  void post(Task task);
  // On the receiving thread: runs the oldest task, outside the lock (it may post again);
  // false when there was none.
  bool run_oldest();

 private:
  std::mutex mutex_;
  std::deque<Task> tasks_;
};

}  // namespace afbs
