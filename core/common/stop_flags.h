#pragma once

#include <atomic>
#include <chrono>
#include <thread>

namespace afbs {

// A run's cancel and pause flags as the long phases outside the tuning engine read them
// (model load, Q/K/V capture, perplexity passes): checked once per window of work. Either
// pointer may be null. The engine's RunControl carries the same two flags.
struct StopFlags {
  const std::atomic<bool>* cancel = nullptr;
  const std::atomic<bool>* pause = nullptr;

  bool cancelled() const { return cancel != nullptr && cancel->load(); }

  // Blocks while paused (a cancel ends the wait); true when the work should stop. Adds the
  // time spent waiting to *paused_seconds when given (elapsed times exclude pauses).
  bool wait_while_paused(double* paused_seconds = nullptr) const {
    const auto started = std::chrono::steady_clock::now();
    while (pause != nullptr && pause->load() && !cancelled())
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (paused_seconds != nullptr) {
      *paused_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
    return cancelled();
  }
};

}  // namespace afbs
