#include <algorithm>
#include <cmath>
#include <limits>

#include "core/engine/afbs_stages.h"
#include "core/tuning/bayesian_optimizer.h"
#include "core/tuning/stop_rules.h"

namespace afbs::engine {
namespace {

constexpr double kSpargeDefaultTheta = 0.6;
constexpr double kSpargeDefaultTau = 0.98;
constexpr double kErrorFloor = 1e-9;  // log error stays finite for an exact head

double log_error(double error) {
  return std::log(std::max(error, kErrorFloor));
}

constexpr double kSameSparsity = 1e-9;

// Sparsity at a short rung comes in coarse steps (few blocks), so ties are common. The tie
// goes to the lower θ: it forces fewer blocks in and so leaves τ more room at longer rungs.
bool is_better_start(const tuning::Observation& candidate, const tuning::Observation& best) {
  if (candidate.objective > best.objective + kSameSparsity) return true;
  return candidate.objective >= best.objective - kSameSparsity &&
         candidate.point[0] < best.point[0];
}

// θ̂ is the best feasible point's θ; the bracket's low end is the largest τ below it that
// is known infeasible at θ̂. Error falls as θ rises (more blocks forced in), so a point
// infeasible at some θ' >= θ̂ is infeasible at θ̂ too.
void read_bracket(const std::vector<tuning::Observation>& observations, bool all_windows,
                  AfbsHeadState& state) {
  const tuning::Observation* best = nullptr;
  for (const tuning::Observation& o : observations) {
    if (o.feasible && (best == nullptr || is_better_start(o, *best))) best = &o;
  }
  if (best != nullptr && best->objective > kSameSparsity) {
    state.theta_hat = best->point[0];
    state.tau_high = best->point[1];
    state.tau_high_verified = all_windows;  // else stage 2 re-checks it on every window
    state.tau_high_sparsity = best->objective;
  } else {
    // No sparse point met ε1. A short rung may allow no sparsity at all (at 4 blocks one
    // skipped block is a quarter of a row), and then it says nothing about θ, while a θ above
    // the blocks' coherence would keep the head dense at every length. θ̂ goes to its lowest
    // value, where every block is coherent and τ alone decides (grid's pick on such heads);
    // the bracket's high end is τ = 1, the dense head.
    state.theta_hat = -1.0;
    state.tau_high = 1.0;
    state.tau_high_verified = false;
    state.exploration_note = best != nullptr
                                 ? "no sparse point met the target at the lowest fidelity"
                                 : "no feasible point at the lowest fidelity";
  }
  state.best_point = HeadSetting{state.theta_hat, state.tau_high, 50.0};
  state.tau_low = 0.0;
  for (const tuning::Observation& o : observations) {
    if (!o.feasible && o.point[0] >= state.theta_hat && o.point[1] < state.tau_high) {
      state.tau_low = std::max(state.tau_low, o.point[1]);
    }
  }
}

}  // namespace

HeadTask explore_theta_tau(AfbsHeadState& state, SearchContext context, AfbsOptions options) {
  Result<tuning::BoxDomain> box =
      tuning::BoxDomain::create(std::vector<double>{-1.0, 0.0}, std::vector<double>{1.0, 1.0});
  if (!box) {
    state.exploration_note = "exploration not started: " + box.error().message;
    co_return;
  }
  tuning::BayesianOptimizerOptions bo;
  bo.goal = tuning::Goal::Maximize;
  bo.constraint_thresholds = {std::log(context.target_error)};
  bo.initial_design_size = options.initial_design_points;
  bo.extra_initial_points.push_back(Eigen::Vector2d(kSpargeDefaultTheta, kSpargeDefaultTau));
  if (state.warm_start) {
    bo.extra_initial_points.push_back(
        Eigen::Vector2d(std::clamp(state.warm_start->theta, -1.0, 1.0),
                        std::clamp(state.warm_start->tau, 0.0, 1.0)));
  }
  bo.seed = head_seed(context.seed, context.layer, state.head);
  Result<tuning::BayesianOptimizer> optimizer = tuning::BayesianOptimizer::create(*box, bo);
  if (!optimizer) {
    state.exploration_note = "exploration not started: " + optimizer.error().message;
    co_return;
  }
  tuning::AnyStopRule stop;
  stop.add(std::make_unique<tuning::BudgetStop>(options.exploration_budget));
  stop.add(std::make_unique<tuning::NegligibleImprovementStop>(options.negligible_improvement));

  std::vector<int> windows = context.tune_windows;
  if (options.exploration_windows > 0 &&
      static_cast<std::size_t>(options.exploration_windows) < windows.size()) {
    windows.resize(options.exploration_windows);
  }
  const bool all_windows = windows.size() == context.tune_windows.size();

  while (!stop.check(optimizer->progress())) {
    Result<Eigen::VectorXd> point = optimizer->ask();
    if (!point) {
      state.exploration_note = "exploration ended early: " + point.error().message;
      break;
    }
    Probe probe;
    probe.stage = Stage::Exploration;
    probe.setting = HeadSetting{(*point)[0], (*point)[1], 50.0};
    probe.length_tokens = context.ladder.front();
    probe.windows = windows;
    probe.target_error = context.target_error;
    const ProbeOutcome outcome = co_await probe;
    if (Status told = optimizer->tell(*point, outcome.sparsity, {log_error(outcome.error)});
        !told) {
      state.exploration_note = "exploration ended early: " + told.error().message;
      break;
    }
  }
  if (optimizer->observations().empty()) {
    state.theta_hat = kSpargeDefaultTheta;
    state.tau_low = 0.0;
    state.tau_high = 1.0;
    state.tau_high_verified = false;
    co_return;
  }
  read_bracket(optimizer->observations(), all_windows, state);
}

}  // namespace afbs::engine
