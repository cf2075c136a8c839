#include "core/engine/layer_scheduler.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace afbs::engine {
namespace {

double seconds_since(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

bool same_batch(const Probe& a, const Probe& b) {
  return a.length_tokens == b.length_tokens && a.windows == b.windows;
}

Status check_failures(const std::vector<HeadTask>& tasks, int layer) {
  for (std::size_t head = 0; head < tasks.size(); ++head) {
    if (tasks[head].failed()) {
      return Error{"tuning layer " + std::to_string(layer) + ", head " + std::to_string(head) +
                   " failed with an exception"};
    }
  }
  return {};
}

}  // namespace

LayerScheduler::LayerScheduler(EvaluationLedger& ledger, int layer,
                               std::vector<HeadSetting> idle_settings)
    : ledger_(ledger), layer_(layer), idle_settings_(std::move(idle_settings)) {}

Status LayerScheduler::run(std::vector<HeadTask>& tasks) {
  std::vector<int> all(tasks.size());
  for (std::size_t head = 0; head < tasks.size(); ++head)
    all[head] = static_cast<int>(head);
  resume_heads(all, [&tasks](int head) { tasks[head].start(); });
  for (;;) {
    if (Status ok = check_failures(tasks, layer_); !ok) return ok;
    // Group waiting heads by (length, windows); the largest group goes first, ties to the
    // group of the lowest head, so the order of calls is deterministic.
    std::vector<int> best;
    std::vector<bool> grouped(tasks.size(), false);
    for (std::size_t head = 0; head < tasks.size(); ++head) {
      const Probe* probe = tasks[head].pending();
      if (probe == nullptr || grouped[head]) continue;
      std::vector<int> group;
      for (std::size_t other = head; other < tasks.size(); ++other) {
        const Probe* candidate = tasks[other].pending();
        if (candidate != nullptr && !grouped[other] && same_batch(*probe, *candidate)) {
          grouped[other] = true;
          group.push_back(static_cast<int>(other));
        }
      }
      if (group.size() > best.size()) best = std::move(group);
    }
    if (best.empty()) return {};
    if (Status ok = run_round(tasks, best); !ok) return ok;
  }
}

Status LayerScheduler::run_round(std::vector<HeadTask>& tasks, const std::vector<int>& heads) {
  const Probe first = *tasks[heads.front()].pending();
  EvaluationRequest request;
  request.layer = layer_;
  request.length_tokens = first.length_tokens;
  request.settings = idle_settings_;
  request.active.assign(tasks.size(), false);
  std::vector<EvaluationLedger::Label> labels(tasks.size());
  for (int head : heads) {
    const Probe& probe = *tasks[head].pending();
    request.settings[head] = probe.setting;
    request.active[head] = true;
    labels[head] = {probe.stage, probe.target_error};
  }

  std::vector<ProbeOutcome> outcomes(tasks.size());
  for (int window : first.windows) {
    request.window = window;
    Result<std::vector<HeadMetrics>> metrics = ledger_.evaluate(request, labels);
    if (!metrics) return metrics.error();
    for (int head : heads)
      outcomes[head].per_window.push_back((*metrics)[head]);
    if (after_call_) after_call_();
  }
  for (int head : heads) {
    ProbeOutcome& outcome = outcomes[head];
    double error = 0.0;
    double sparsity = 0.0;
    double skip_rate = 0.0;
    for (const HeadMetrics& m : outcome.per_window) {
      error = std::max(error, m.error);
      sparsity += m.sparsity;
      skip_rate += m.skip_rate;
    }
    const double windows = std::max<std::size_t>(1, outcome.per_window.size());
    outcome.error = error;
    outcome.sparsity = sparsity / windows;
    outcome.skip_rate = skip_rate / windows;
  }
  resume_heads(heads,
               [&tasks, &outcomes](int head) { tasks[head].answer(std::move(outcomes[head])); });
  return {};
}

void LayerScheduler::resume_heads(const std::vector<int>& heads,
                                  const std::function<void(int)>& resume) {
  const auto started = std::chrono::steady_clock::now();  // the tasks' code is the optimiser's
  const std::size_t threads =
      std::min<std::size_t>(static_cast<std::size_t>(threads_), heads.size());
  if (threads <= 1) {
    for (int head : heads)
      resume(head);
  } else {
    // Each worker takes the next head not yet taken; which thread resumes a head is free.
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
      for (std::size_t i = next++; i < heads.size(); i = next++)
        resume(heads[i]);
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t)
      pool.emplace_back(work);
    work();
    for (std::thread& thread : pool)
      thread.join();
  }
  ledger_.add_optimiser_seconds(seconds_since(started));
}

}  // namespace afbs::engine
