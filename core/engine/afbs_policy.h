#pragma once

#include <vector>

#include "core/engine/afbs_stages.h"
#include "core/engine/method_policy.h"

namespace afbs::engine {

// AFBS-BO (DESIGN.md §5): per layer, stage 1 (exploration), stage 2 (τ search) and stage 3
// (λ and validation) as three passes, each head warm-started from the same head of the
// previous layer; after the last layer, with a perplexity measure, the end-to-end guard that
// tightens ε1 and ε2 and reruns stages 2-3 while the rise exceeds the budget.
class AfbsPolicy : public MethodPolicy {
 public:
  explicit AfbsPolicy(EngineOptions options) : options_(std::move(options)) {}

  std::string name() const override { return method_name(TuningMethod::AfbsBo); }
  Status start_run(RunHost& host) override;
  int passes() const override { return 3; }
  std::vector<HeadTask> head_tasks(RunHost& host, int layer_index, int pass) override;
  void pass_finished(RunHost& host, int layer_index, int pass) override;
  HeadResult head_result(int layer_index, int head) const override;
  Status finish_run(RunHost& host) override { return run_guard(host); }

  // Each head's state of a layer, kept for the end-to-end stages (the budget stage re-targets
  // stage 2 from it).
  std::vector<AfbsHeadState>& heads(int layer_index) { return layers_[layer_index]; }
  const EngineOptions& options() const { return options_; }

 private:
  Status run_guard(RunHost& host);

  EngineOptions options_;
  std::vector<std::vector<AfbsHeadState>> layers_;  // by layer index, then head
};

}  // namespace afbs::engine
