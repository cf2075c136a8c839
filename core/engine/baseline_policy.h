#pragma once

#include <functional>
#include <vector>

#include "core/engine/baseline_searches.h"
#include "core/engine/method_policy.h"

namespace afbs::engine {

// The baselines (grid, random, static): per layer, each head's search as one pass, then one
// look at its pick on the validation windows as a second; no end-to-end stage.
class BaselinePolicy : public MethodPolicy {
 public:
  // One head's search (grid_search_head, random_search_head, static_setting_head).
  using HeadSearch =
      std::function<HeadTask(BaselineHeadState& state, const SearchContext& context)>;

  // `keep_under_minimum`: the pick is measured as it is even when its sparsity is under the
  // minimum (a static preset is what it is; a searched pick under it goes dense).
  BaselinePolicy(TuningMethod method, HeadSearch search, bool keep_under_minimum)
      : method_(method), search_(std::move(search)), keep_under_minimum_(keep_under_minimum) {}

  std::string name() const override { return method_name(method_); }
  Status start_run(RunHost& host) override;
  int passes() const override { return 2; }
  std::vector<HeadTask> head_tasks(RunHost& host, int layer_index, int pass) override;
  HeadResult head_result(int layer_index, int head) const override;

 private:
  TuningMethod method_;
  HeadSearch search_;
  bool keep_under_minimum_;
  std::vector<std::vector<BaselineHeadState>> layers_;  // by layer index, then head
};

}  // namespace afbs::engine
