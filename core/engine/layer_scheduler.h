#pragma once

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

  // tasks[h] is head h's task (an empty HeadTask for none). Stops at the first failure:
  // a cancelled run (ledger.cancelled()), an evaluator or journal error, or a task that threw.
  Status run(std::vector<HeadTask>& tasks);

 private:
  Status run_round(std::vector<HeadTask>& tasks, const std::vector<int>& heads);

  EvaluationLedger& ledger_;
  int layer_;
  std::vector<HeadSetting> idle_settings_;
  std::function<void()> after_call_;
};

}  // namespace afbs::engine
