#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/engine/engine_options.h"
#include "core/engine/head_task.h"
#include "core/engine/search_context.h"

namespace afbs::engine {

// A τ measured at n_F on every tune window at θ̂ with PV-skip off (stage 2 and re-targets):
// the head's sparsity-against-error curve, from which the budget stage brackets a new ε1.
struct TauPoint {
  double tau = 1.0;
  double sparsity = 0.0;
  double error = 0.0;  // worst tune window
};

// One head's AFBS-BO state, carried from stage to stage (and kept for the guard's redo).
struct AfbsHeadState {
  int head = 0;
  std::optional<HeadSetting> warm_start;  // the same head's best point in the previous layer

  // Stage 1: θ̂ and a τ bracket [tau_low, tau_high] whose high end met ε1 at n_1 when
  // tau_high_verified is set.
  double theta_hat = 0.6;
  double tau_low = 0.0;
  double tau_high = 1.0;
  bool tau_high_verified = false;
  double tau_high_sparsity = 0.0;
  HeadSetting best_point;  // best feasible (θ, τ) of stage 1: next layer's warm start
  std::string exploration_note;
  // Set when stage 1 found the head hopeless (see explore_theta_tau): the ε1 it was found
  // hopeless at. Stage 2 then evaluates nothing for this ε1 or any tighter one (the guard's).
  std::optional<double> hopeless_at_error;

  // Stage 2: the smallest τ < 1 meeting ε1 at n_F (within tolerance), if any; else why not.
  bool tau_feasible = false;
  std::string tau_note;
  double tau_star = 1.0;
  double tau_sparsity = 0.0;
  std::vector<TauPoint> tau_points;  // every τ probe at n_F at θ̂, in the order measured

  // Stage 3.
  HeadResult result;
};

// Stage 1: BO over (θ, τ) at the lowest fidelity; fills θ̂, the bracket and best_point.
// Hopeless-head exit (options.hopeless_head_exit): once the initial design is in, if none of
// its points was sparse and met ε1 at n_1 (the rung's measured frontier lies wholly above the
// target, so θ̂ would fall back to -1), one probe at n_F on every tune window scores θ -1 with
// τ 1 - tau_tolerance, the least sparse τ stage 2 can tell from dense. If it misses ε1 with
// sparsity under the minimum, the head is dense: error falls and sparsity falls as τ rises,
// so every τ meeting ε1 lies above it and is less sparse than the minimum (stage 2's own
// top-rung rule, and grid's stop). Stage 1 then ends and stage 2 evaluates nothing. A head
// that is merely hard at n_1 meets ε1 at that probe and goes on as before (two evaluations
// more). The n_1 rung alone cannot decide: longer windows change both sparsity and error.
HeadTask explore_theta_tau(AfbsHeadState& state, SearchContext context, AfbsOptions options);

// Stage 2: bisection on τ at θ̂, climbing the fidelity ladder as the bracket narrows.
HeadTask search_tau(AfbsHeadState& state, SearchContext context, AfbsOptions options);

// Stage 2 again for another ε1 (the budget stage): the bracket comes from the head's
// tau_points (the smallest τ known to meet ε1, the largest below it known to miss), then
// bisection at n_F to `tau_tolerance`. No evaluation when the points settle it already,
// or when a τ known to miss ε1 is already under the minimum sparsity (the head goes dense).
HeadTask retarget_tau(AfbsHeadState& state, SearchContext context, double tau_tolerance);

// Stage 3: bisection on λ at n_F, then every validation window with bounded back-off;
// fills state.result (dense when the head cannot stay sparse).
HeadTask tune_pv_and_validate(AfbsHeadState& state, SearchContext context, AfbsOptions options);
// The same; without `search_lambda` PV-skip stays off (λ 50) and only the validation runs.
HeadTask pv_and_validation(AfbsHeadState& state, SearchContext context, AfbsOptions options,
                           bool search_lambda);

}  // namespace afbs::engine
