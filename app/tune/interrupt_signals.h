#pragma once

// SIGINT and SIGTERM during a run: the first sets a flag the engine reads between evaluator
// calls, so the run ends after the current call with its journal whole; a second one ends
// the process at once (the default action is restored by the first).

#include <atomic>

namespace afbs::cli {

class InterruptSignals {
 public:
  InterruptSignals();   // installs the handlers
  ~InterruptSignals();  // restores the previous ones
  InterruptSignals(const InterruptSignals&) = delete;
  InterruptSignals& operator=(const InterruptSignals&) = delete;

  // What to pass as the engine's cancel flag.
  const std::atomic<bool>* flag() const;
  // The signal received (SIGINT, SIGTERM), 0 when none.
  int received() const;
};

}  // namespace afbs::cli
