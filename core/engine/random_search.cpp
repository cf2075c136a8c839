#include <random>

#include "core/engine/baseline_searches.h"

namespace afbs::engine {

HeadTask random_search_head(BaselineHeadState& state, SearchContext context,
                            RandomOptions options) {
  std::mt19937_64 rng(head_seed(context.seed, context.layer, state.head));
  std::uniform_real_distribution<double> theta_draw(-1.0, 1.0);
  std::uniform_real_distribution<double> tau_draw(0.0, 1.0);
  double best_sparsity = -1.0;
  for (int sample = 0; sample < options.samples_per_head; ++sample) {
    const double theta = theta_draw(rng);
    const double tau = tau_draw(rng);
    Probe probe;
    probe.stage = Stage::Random;
    probe.setting = HeadSetting{theta, tau, 50.0};
    probe.length_tokens = context.top_length();
    probe.windows = context.tune_windows;
    probe.target_error = context.target_error;
    const ProbeOutcome outcome = co_await probe;
    if (outcome.meets(context.target_error) && outcome.sparsity > best_sparsity) {
      best_sparsity = outcome.sparsity;
      state.chosen = probe.setting;
    }
  }
  if (!state.chosen) state.note = "no random sample met the error target";
}

HeadTask static_setting_head(BaselineHeadState& state, HeadSetting setting) {
  state.chosen = setting;
  co_return;
}

HeadTask validate_baseline_choice(BaselineHeadState& state, SearchContext context,
                                  bool keep_under_minimum) {
  if (!state.chosen) {
    state.result = dense_result(state.head, 0.6, state.note);
    co_return;
  }
  Probe probe;
  probe.stage = Stage::Validation;
  probe.setting = *state.chosen;
  probe.length_tokens = context.top_length();
  probe.windows = context.validation_windows;
  probe.target_error = context.pv_target_error;
  const ProbeOutcome outcome = co_await probe;
  if (outcome.sparsity < context.min_sparsity && !keep_under_minimum) {
    state.result =
        dense_result(state.head, state.chosen->theta, "validation sparsity under the minimum");
    co_return;
  }
  state.result = sparse_result(state.head, *state.chosen, outcome.sparsity, outcome.error,
                               outcome.skip_rate, outcome.meets(context.pv_target_error));
  state.result.sparse = state.chosen->rule != SelectionRule::dense;
}

}  // namespace afbs::engine
