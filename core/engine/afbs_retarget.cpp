// Stage 2 for another ε1, bracketed by what the head's earlier τ probes at n_F measured (the
// budget stage re-targets every unpinned head many times; most answers are already known).
#include <algorithm>
#include <cstdio>
#include <string>

#include "core/engine/afbs_stages.h"

namespace afbs::engine {
namespace {

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", value);
  return text;
}

Probe tau_probe(const AfbsHeadState& state, const SearchContext& context, double tau) {
  Probe probe;
  probe.stage = Stage::TauSearch;
  probe.setting = HeadSetting{state.theta_hat, tau, kPvSkipOff};
  probe.length_tokens = context.top_length();
  probe.windows = context.tune_windows;
  probe.target_error = context.target_error;
  return probe;
}

}  // namespace

HeadTask retarget_tau(AfbsHeadState& state, SearchContext context, double tau_tolerance) {
  const double target = context.target_error;
  // Error falls and sparsity falls as τ rises (at fixed θ): the smallest τ known to meet the
  // target is the bracket's high end, the largest τ below it known to miss, its low end.
  double high = 1.0;
  double high_sparsity = 0.0;
  for (const TauPoint& point : state.tau_points) {
    if (point.error <= target && point.tau < high) {
      high = point.tau;
      high_sparsity = point.sparsity;
    }
  }
  double low = 0.0;
  bool hopeless = false;
  for (const TauPoint& point : state.tau_points) {
    if (point.error > target && point.tau < high) {
      low = std::max(low, point.tau);
      // Every τ that could meet the target is above this one, so at most this sparse.
      hopeless |= point.sparsity < context.min_sparsity;
    }
  }
  state.tau_note.clear();
  while (!hopeless && high - low > tau_tolerance) {
    const double middle = 0.5 * (low + high);
    const ProbeOutcome outcome = co_await tau_probe(state, context, middle);
    state.tau_points.push_back({middle, outcome.sparsity, outcome.error});
    if (outcome.meets(target)) {
      high = middle;
      high_sparsity = outcome.sparsity;
    } else {
      low = middle;
      hopeless = outcome.sparsity < context.min_sparsity;
    }
  }
  if (hopeless) {
    state.tau_note = "no τ < 1 meets the error target " + format_number(target) +
                     " at sparsity ≥ " + format_number(context.min_sparsity);
  }
  state.tau_feasible = !hopeless && high < 1.0;
  state.tau_star = high;
  state.tau_sparsity = high_sparsity;
}

}  // namespace afbs::engine
