#include "app/tune/interrupt_signals.h"

#include <csignal>

namespace afbs::cli {
namespace {

std::atomic<bool> interrupted{false};
volatile std::sig_atomic_t received_signal = 0;
struct sigaction previous_int {
}, previous_term{};

extern "C" void on_interrupt(int signal) {
  received_signal = signal;
  interrupted.store(true);  // lock-free: async-signal-safe
}

}  // namespace

InterruptSignals::InterruptSignals() {
  static_assert(std::atomic<bool>::is_always_lock_free);
  interrupted.store(false);
  received_signal = 0;
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second signal takes the default action
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

InterruptSignals::~InterruptSignals() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

const std::atomic<bool>* InterruptSignals::flag() const {
  return &interrupted;
}

int InterruptSignals::received() const {
  return received_signal;
}

}  // namespace afbs::cli
