#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/engine/afbs_policy.h"

namespace afbs::engine {

// AFBS-BO with the budget stage in place of the guard (BudgetOptions, issue 13): the layers
// are tuned exactly as AfbsPolicy tunes them; afterwards ε1 and ε2 are scaled to spend the
// perplexity budget, re-targeting stage 2 from the τ points each head already measured.
class BudgetPolicy : public MethodPolicy {
 public:
  explicit BudgetPolicy(EngineOptions options) : afbs_(std::move(options)) {}

  std::string name() const override { return afbs_.name(); }
  Status start_run(RunHost& host) override;
  int passes() const override { return afbs_.passes(); }
  std::vector<HeadTask> head_tasks(RunHost& host, int layer_index, int pass) override {
    return afbs_.head_tasks(host, layer_index, pass);
  }
  void pass_finished(RunHost& host, int layer_index, int pass) override {
    afbs_.pass_finished(host, layer_index, pass);
  }
  HeadResult head_result(int layer_index, int head) const override {
    return afbs_.head_result(layer_index, head);
  }
  Status finish_run(RunHost& host) override;

 private:
  enum class Stage3 { None, Validate, Full };
  Result<LayerResult> retarget_layer(RunHost& host, int layer_index, double multiplier,
                                     Stage3 stage3, EvaluationCounts& layer_counts);
  // The price allocation (price_allocation.h) of a layer: no evaluation, tune-window metrics.
  LayerResult allocate_layer(RunHost& host, int layer_index, double price);
  // Stage 3 on a layer's price allocation, each head against its own allowance.
  Result<LayerResult> validate_allocation(RunHost& host, int layer_index, double price,
                                          Stage3 stage3, EvaluationCounts& layer_counts);
  double max_error() const;  // no head's allowance is looser than max_multiplier × ε1

  // The sensitivity allocation (budget_sensitivity.cpp, layer_allocation.h).
  struct MixPick {
    std::vector<LayerResult> layers;
    std::vector<double> multipliers;  // each layer's m; 0 for a layer not at AFBS-BO
    std::vector<std::string> choices;
    double perplexity = 0.0;
    double sparsity = 0.0;
  };
  // Measures `layers` as a budget probe (label: what it stands for, replayed on resume;
  // layer: the one layer it moves, or -1; option: the probe in words); true when within.
  using RecordProbe = std::function<Result<bool>(
      double label, const std::vector<LayerResult>& layers, int layer, const std::string& option)>;
  // `base`: pins kept, every other head dense; `uniform`: the uniform run's layers (m = 1).
  // The sparsest measured mix within the budget, or none.
  Result<std::optional<MixPick>> allocate_by_sensitivity(
      RunHost& host, const std::vector<LayerResult>& base, const std::vector<LayerResult>& uniform,
      std::vector<EvaluationCounts>& layer_counts, const RecordProbe& record);
  // A layer with every unpinned head at `setting` (a static preset), scored on the validation
  // windows at n_F as the Static method scores it.
  Result<LayerResult> static_layer(RunHost& host, int layer_index, const HeadSetting& setting,
                                   EvaluationCounts& layer_counts);

  AfbsPolicy afbs_;
};

}  // namespace afbs::engine
