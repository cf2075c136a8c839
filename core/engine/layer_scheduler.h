#pragma once

#include <algorithm>
#include <functional>
#include <vector>

#include "core/common/result.h"
#include "core/engine/evaluation_ledger.h"
#include "core/engine/head_task.h"

namespace afbs::engine {

// Drives the head tasks of one layer to their end. Each round it takes the probes that
// share a length and a window set with the most heads, and scores them in one batched
// evaluator call per window; heads with another probe wait for a later round. Heads without
// a task (pinned, finished) ride along inactive at their idle setting.
class LayerScheduler {
 public:
  LayerScheduler(EvaluationLedger& ledger, int layer, std::vector<HeadSetting> idle_settings);

  // Called after every batched call (progress reports).
  void set_after_call(std::function<void()> after_call) { after_call_ = std::move(after_call); }
  // Resumes the heads of a round on up to `threads` threads at once (1: in turn). Each head's
  // task touches only its own state, so the order of calls and every result stay the same.
  void set_optimiser_threads(int threads) { threads_ = std::max(1, threads); }

  // tasks[h] is head h's task (an empty HeadTask for none). Stops at the first failure:
  // a cancelled run (ledger.cancelled()), an evaluator or journal error, or a task that threw.
  Status run(std::vector<HeadTask>& tasks);

 private:
  Status run_round(std::vector<HeadTask>& tasks, const std::vector<int>& heads);
  // Runs resume(h) for every h of `heads`, on threads_ threads; adds the time to the ledger's
  // optimiser seconds.
  void resume_heads(const std::vector<int>& heads, const std::function<void(int)>& resume);

  EvaluationLedger& ledger_;
  int layer_;
  std::vector<HeadSetting> idle_settings_;
  std::function<void()> after_call_;
  int threads_ = 1;
};

}  // namespace afbs::engine
