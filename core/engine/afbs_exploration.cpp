#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

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
constexpr double kLowestTheta = -1.0;  // every block coherent: τ alone decides

bool has_sparse_feasible(const std::vector<tuning::Observation>& observations) {
  return std::any_of(observations.begin(), observations.end(), [](const tuning::Observation& o) {
    return o.feasible && o.objective > kSameSparsity;
  });
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

// The hopeless-head check's one probe (afbs_stages.h): the least sparse τ that stage 2 can
// tell from dense, at θ -1, at n_F on every tune window, PV-skip off — a stage-2 τ probe.
Probe hopeless_probe(const SearchContext& context, const AfbsOptions& options) {
  Probe probe;
  probe.stage = Stage::TauSearch;
  probe.setting = HeadSetting{kLowestTheta, 1.0 - options.tau_tolerance, kPvSkipOff};
  probe.length_tokens = context.top_length();
  probe.windows = context.tune_windows;
  probe.target_error = context.target_error;
  return probe;
}

// The head is dense at this ε1: θ̂ -1 as read_bracket would leave it, the probe kept as the
// head's τ point at n_F (the budget stage brackets a looser ε1 from it), the reason in words.
void mark_hopeless(AfbsHeadState& state, const Probe& probe, const ProbeOutcome& outcome,
                   const SearchContext& context) {
  state.hopeless_at_error = context.target_error;
  state.theta_hat = kLowestTheta;
  state.tau_low = probe.setting.tau;
  state.tau_high = 1.0;
  state.tau_high_verified = false;
  state.best_point = HeadSetting{kLowestTheta, 1.0, kPvSkipOff};
  state.tau_points.push_back({probe.setting.tau, outcome.sparsity, outcome.error});
  state.exploration_note =
      "hopeless: no sparse point met the target at the lowest fidelity, nor τ " +
      format_number(probe.setting.tau) + " at n " + std::to_string(probe.length_tokens) +
      " with sparsity ≥ " + format_number(context.min_sparsity) + " (stages 2-3 skipped)";
  state.tau_feasible = false;
  state.tau_note = "hopeless: θ -1, τ " + format_number(probe.setting.tau) + " at n " +
                   std::to_string(probe.length_tokens) + " misses the error target " +
                   format_number(context.target_error) + " (" + format_number(outcome.error) +
                   ") at sparsity " + format_number(outcome.sparsity) + " < " +
                   format_number(context.min_sparsity);
}

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
    state.theta_hat = kLowestTheta;
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
  const int design_points =
      std::min(options.exploration_budget,
               options.initial_design_points + static_cast<int>(bo.extra_initial_points.size()));
  bool hopeless_checked = !options.hopeless_head_exit;

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
    if (!hopeless_checked && static_cast<int>(optimizer->observations().size()) >= design_points) {
      hopeless_checked = true;
      if (!has_sparse_feasible(optimizer->observations())) {
        const Probe top = hopeless_probe(context, options);
        const ProbeOutcome at_top = co_await top;
        if (!at_top.meets(context.target_error) && at_top.sparsity < context.min_sparsity) {
          mark_hopeless(state, top, at_top, context);
          co_return;
        }
      }
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
