#include <algorithm>
#include <cmath>
#include <string>

#include "core/engine/afbs_stages.h"

namespace afbs::engine {
namespace {

constexpr double kLambdaOff = 50.0;

Probe make_probe(Stage stage, const HeadSetting& setting, int length_tokens,
                 const std::vector<int>& windows, double target_error) {
  Probe probe;
  probe.stage = stage;
  probe.setting = setting;
  probe.length_tokens = length_tokens;
  probe.windows = windows;
  probe.target_error = target_error;
  return probe;
}

// Bisection steps the bracket still needs, shared evenly by the rungs left to climb.
int steps_per_rung(double width, double tolerance, int rungs_left) {
  if (width <= tolerance) return 0;
  const double steps = std::ceil(std::log2(width / tolerance));
  return std::max(1, static_cast<int>(std::ceil(steps / std::max(1, rungs_left))));
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

}  // namespace

HeadTask search_tau(AfbsHeadState& state, SearchContext context, AfbsOptions options) {
  // Found hopeless in stage 1 at this ε1 or a looser one: a tighter ε1 only misses more.
  if (state.hopeless_at_error && context.target_error <= *state.hopeless_at_error) {
    state.tau_feasible = false;
    state.tau_star = 1.0;
    state.tau_sparsity = 0.0;
    co_return;  // tau_note keeps stage 1's reason
  }
  const int top = static_cast<int>(context.ladder.size()) - 1;
  double low = state.tau_low;
  double high = state.tau_high;
  double high_sparsity = state.tau_high_sparsity;
  bool high_checked_here = state.tau_high_verified;  // stage 1 checked it at rung 0
  bool low_checked_here = true;  // a low end from a shorter rung is re-checked on a new rung
  int rung = 0;
  int expansions = 0;
  int steps_done = 0;
  int steps_allowed = steps_per_rung(high - low, options.tau_tolerance, top + 1);
  state.tau_feasible = false;
  state.tau_note.clear();

  for (;;) {
    if (!high_checked_here && high >= 1.0) {
      // τ = 1 keeps every block: dense, exact, nothing to measure.
      high_checked_here = true;
      high_sparsity = 0.0;
      steps_done = 0;
      steps_allowed = steps_per_rung(high - low, options.tau_tolerance, top - rung + 1);
    }
    if (!high_checked_here) {
      // A new rung (or a bracket from a stage that found nothing feasible): the feasible end
      // must hold at this length before bisecting further; if not, re-open the bracket above.
      const ProbeOutcome outcome =
          co_await make_probe(Stage::TauSearch, HeadSetting{state.theta_hat, high, kLambdaOff},
                              context.ladder[rung], context.tune_windows, context.target_error);
      if (rung == top) state.tau_points.push_back({high, outcome.sparsity, outcome.error});
      if (!outcome.meets(context.target_error)) {
        if (high >= 1.0 || expansions >= options.max_bracket_expansions) co_return;
        ++expansions;
        const double width = std::max(high - low, 0.05);
        low = high;
        high = std::min(1.0, high + 2.0 * width);
        continue;
      }
      high_checked_here = true;
      high_sparsity = outcome.sparsity;
      steps_done = 0;
      steps_allowed = steps_per_rung(high - low, options.tau_tolerance, top - rung + 1);
    }
    if (!low_checked_here) {
      // Longer windows spread a skipped block's mass over more blocks, so a τ too small at a
      // shorter rung may meet the target here: if the low end does, the bracket moves down.
      low_checked_here = true;
      if (low > 0.0 && expansions < options.max_bracket_expansions) {
        const ProbeOutcome outcome =
            co_await make_probe(Stage::TauSearch, HeadSetting{state.theta_hat, low, kLambdaOff},
                                context.ladder[rung], context.tune_windows, context.target_error);
        if (rung == top) state.tau_points.push_back({low, outcome.sparsity, outcome.error});
        if (outcome.meets(context.target_error)) {
          ++expansions;
          const double width = std::max(high - low, 0.05);
          high = low;
          high_sparsity = outcome.sparsity;
          low = std::max(0.0, low - 2.0 * width);
          low_checked_here = low == 0.0;
          steps_done = 0;
          steps_allowed = steps_per_rung(high - low, options.tau_tolerance, top - rung + 1);
          continue;
        }
      }
    }
    const bool narrow = high - low <= options.tau_tolerance;
    if ((narrow || steps_done >= steps_allowed) && rung < top) {
      ++rung;
      high_checked_here = false;
      low_checked_here = false;
      continue;
    }
    if (narrow) break;
    const double middle = 0.5 * (low + high);
    const ProbeOutcome outcome =
        co_await make_probe(Stage::TauSearch, HeadSetting{state.theta_hat, middle, kLambdaOff},
                            context.ladder[rung], context.tune_windows, context.target_error);
    if (rung == top) state.tau_points.push_back({middle, outcome.sparsity, outcome.error});
    if (outcome.meets(context.target_error)) {
      high = middle;
      high_sparsity = outcome.sparsity;
    } else {
      low = middle;
      // Sparsity falls as τ rises: every τ that could still meet ε1 is at most this sparse.
      if (rung == top && outcome.sparsity < context.min_sparsity) {
        state.tau_note = "no τ < 1 meets the error target " + format_number(context.target_error) +
                         " at sparsity ≥ " + format_number(context.min_sparsity);
        break;
      }
    }
    ++steps_done;
  }
  state.tau_feasible = high < 1.0;  // τ = 1 is the dense head itself
  state.tau_star = high;
  state.tau_sparsity = high_sparsity;
}

HeadTask tune_pv_and_validate(AfbsHeadState& state, SearchContext context, AfbsOptions options) {
  return pv_and_validation(state, std::move(context), options, true);
}

HeadTask pv_and_validation(AfbsHeadState& state, SearchContext context, AfbsOptions options,
                           bool search_lambda) {
  if (!state.tau_feasible) {
    state.result = dense_result(state.head, state.theta_hat,
                                !state.tau_note.empty()
                                    ? state.tau_note
                                    : "cannot meet the error target " +
                                          format_number(context.target_error) + " at any τ < 1");
    co_return;
  }
  if (state.tau_sparsity < context.min_sparsity) {
    state.result = dense_result(state.head, state.theta_hat,
                                "sparsity " + format_number(state.tau_sparsity) + " under " +
                                    format_number(context.min_sparsity));
    co_return;
  }
  // λ: larger skips less, and 50 is "never", which stage 2 already showed meets ε1 <= ε2.
  // The most aggressive end is tried first: when skipping changes little, one probe settles it.
  double low = search_lambda ? 0.0 : kLambdaOff;  // without the search, PV-skip stays off
  double high = kLambdaOff;
  if (search_lambda) {
    if (const ProbeOutcome outcome = co_await make_probe(
            Stage::PvSearch, HeadSetting{state.theta_hat, state.tau_star, low},
            context.top_length(), context.tune_windows, context.pv_target_error);
        outcome.meets(context.pv_target_error)) {
      high = low;
    }
  }
  while (high - low > options.lambda_tolerance) {
    const double middle = 0.5 * (low + high);
    const ProbeOutcome outcome =
        co_await make_probe(Stage::PvSearch, HeadSetting{state.theta_hat, state.tau_star, middle},
                            context.top_length(), context.tune_windows, context.pv_target_error);
    if (outcome.meets(context.pv_target_error)) {
      high = middle;
    } else {
      low = middle;
    }
  }

  HeadSetting setting{state.theta_hat, state.tau_star, high};
  for (int attempt = 0; attempt <= options.max_validation_retries; ++attempt) {
    const ProbeOutcome outcome =
        co_await make_probe(Stage::Validation, setting, context.top_length(),
                            context.validation_windows, context.pv_target_error);
    if (outcome.meets(context.pv_target_error)) {
      if (outcome.sparsity < context.min_sparsity) {
        state.result = dense_result(state.head, state.theta_hat,
                                    "validation sparsity " + format_number(outcome.sparsity) +
                                        " under " + format_number(context.min_sparsity));
      } else {
        state.result = sparse_result(state.head, setting, outcome.sparsity, outcome.error,
                                     outcome.skip_rate, true);
      }
      co_return;
    }
    // Missed a validation window: first turn PV-skip off if it skipped anything, which costs
    // no sparsity (stage 2 met ε1 <= ε2 without it on the tune windows); then step τ toward
    // dense.
    if (setting.lambda < kLambdaOff && outcome.skip_rate > 0.0) {
      setting.lambda = kLambdaOff;
    } else {
      setting.tau += (1.0 - setting.tau) * options.backoff_fraction;
    }
  }
  state.result =
      dense_result(state.head, state.theta_hat,
                   "misses the target on validation windows after " +
                       std::to_string(options.max_validation_retries) + " back-off steps");
}

}  // namespace afbs::engine
