#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "core/engine/layer_evaluator.h"
#include "core/engine/tuning_observer.h"

namespace afbs::engine {

// What one head asks to have measured: one setting at one length on a set of windows.
struct Probe {
  Stage stage = Stage::Exploration;
  HeadSetting setting;
  int length_tokens = 0;
  std::vector<int> windows;
  double target_error = 0.0;  // only labels the records (their objective)
};

// The answer: metrics per window and their aggregate over windows (mean sparsity and skip
// rate, worst error: a setting is only as good as its worst window).
struct ProbeOutcome {
  std::vector<HeadMetrics> per_window;
  double sparsity = 0.0;
  double error = 0.0;
  double skip_rate = 0.0;
  bool meets(double target_error) const { return error <= target_error; }
};

// One head's search written as straight-line code: a C++20 coroutine that `co_await`s a
// Probe and resumes with its ProbeOutcome. The LayerScheduler drives every head's task of a
// layer and batches probes that share a length and windows into one evaluator call, so each
// head keeps its own state machine without the engine spelling one out.
// Coroutines here must take their arguments by value or by reference to state that outlives
// the task (never a capturing lambda).
class HeadTask {
 public:
  struct promise_type {
    std::optional<Probe> pending;
    ProbeOutcome answer;
    std::exception_ptr failure;

    HeadTask get_return_object() {
      return HeadTask(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { failure = std::current_exception(); }

    struct ProbeAwaiter {
      promise_type* promise;
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<promise_type>) const noexcept {}
      ProbeOutcome await_resume() const { return std::move(promise->answer); }
    };
    ProbeAwaiter await_transform(Probe probe) {
      pending = std::move(probe);
      return ProbeAwaiter{this};
    }
  };

  HeadTask() = default;
  HeadTask(HeadTask&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  HeadTask& operator=(HeadTask&& other) noexcept {
    if (this != &other) {
      destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  ~HeadTask() { destroy(); }

  bool valid() const { return static_cast<bool>(handle_); }
  bool done() const { return !handle_ || handle_.done(); }
  bool failed() const { return handle_ && handle_.promise().failure != nullptr; }
  // The probe the task waits on, or null when it has finished or not started.
  const Probe* pending() const {
    return handle_ && handle_.promise().pending ? &*handle_.promise().pending : nullptr;
  }
  // Runs the task up to its first probe (or to its end).
  void start() {
    if (handle_ && !handle_.done()) handle_.resume();
  }
  // Hands the outcome of the pending probe back and runs the task to its next probe.
  void answer(ProbeOutcome outcome) {
    handle_.promise().pending.reset();
    handle_.promise().answer = std::move(outcome);
    handle_.resume();
  }

 private:
  explicit HeadTask(std::coroutine_handle<promise_type> handle) : handle_(handle) {}
  void destroy() {
    if (handle_) handle_.destroy();
    handle_ = {};
  }

  std::coroutine_handle<promise_type> handle_;
};

}  // namespace afbs::engine
