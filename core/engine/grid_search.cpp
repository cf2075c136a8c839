// SpargeAttn's grid autotune, replicated as DESIGN.md §5 states it. Where the text leaves a
// choice open we read it as follows:
//  - the sweep runs separately on each calibration (tune) window, as SpargeAttn tunes during
//    each calibration forward pass; every evaluation is at the top fidelity n_F;
//  - θ goes up from -1 in steps of 1/16 (32 values, -1 .. 0.9375): higher θ forces more blocks
//    in, so sparsity falls along the sweep;
//  - τ bisection: bracket [0, 1], first probe 0.1, then midpoints; a probe meeting ε1 (with
//    PV-skip off, λ = 50) becomes the high end, otherwise the low end; it ends when the bracket
//    is no wider than 0.001 and returns the high end (1 when nothing met ε1: never evaluated);
//  - "stop early once sparsity < 0.1": once the sparsity at the τ found falls under the
//    minimum, that θ skips its λ search and the sweep on this window ends;
//  - λ bisection the same way on [0, 50] from 20 with ε2, returning the high end;
//  - θ buckets of width 1/8 hold two consecutive θ values; a bucket's score is the summed
//    sparsity of its θ values over all calibration windows (0 where the sweep stopped early);
//    the best bucket's better θ wins, with the largest τ and λ any window needed for it (so
//    the setting met the targets on every calibration window).
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/engine/baseline_searches.h"

namespace afbs::engine {
namespace {

constexpr double kLambdaOff = 50.0;

Probe grid_probe(const HeadSetting& setting, const SearchContext& context, int window,
                 double target_error) {
  Probe probe;
  probe.stage = Stage::Grid;
  probe.setting = setting;
  probe.length_tokens = context.top_length();
  probe.windows = {window};
  probe.target_error = target_error;
  return probe;
}

struct GridCell {
  bool reached = false;
  double tau = 1.0;
  double lambda = kLambdaOff;
  double sparsity = 0.0;
};

}  // namespace

HeadTask grid_search_head(BaselineHeadState& state, SearchContext context, GridOptions options) {
  const int windows = static_cast<int>(context.tune_windows.size());
  std::vector<std::vector<GridCell>> cells(options.theta_count, std::vector<GridCell>(windows));

  for (int w = 0; w < windows; ++w) {
    const int window = context.tune_windows[w];
    for (int k = 0; k < options.theta_count; ++k) {
      const double theta = options.theta_first + k * options.theta_step;
      GridCell& cell = cells[k][w];
      cell.reached = true;

      double low = 0.0;
      double high = 1.0;
      double probe_at = options.tau_start;
      for (;;) {
        const ProbeOutcome outcome = co_await grid_probe(HeadSetting{theta, probe_at, kLambdaOff},
                                                         context, window, context.target_error);
        if (outcome.meets(context.target_error)) {
          high = probe_at;
          cell.sparsity = outcome.sparsity;
        } else {
          low = probe_at;
        }
        if (high - low <= options.tau_tolerance) break;
        probe_at = 0.5 * (low + high);
      }
      cell.tau = high;
      if (cell.sparsity < context.min_sparsity) break;  // the sweep ends on this window

      low = 0.0;
      high = kLambdaOff;
      probe_at = options.lambda_start;
      for (;;) {
        const ProbeOutcome outcome = co_await grid_probe(HeadSetting{theta, cell.tau, probe_at},
                                                         context, window, context.pv_target_error);
        if (outcome.meets(context.pv_target_error)) {
          high = probe_at;
        } else {
          low = probe_at;
        }
        if (high - low <= options.lambda_tolerance) break;
        probe_at = 0.5 * (low + high);
      }
      cell.lambda = high;
    }
  }

  // Bucket scores: summed sparsity over windows of the θ values in each bucket.
  const int per_bucket =
      std::max(1, static_cast<int>(std::lround(options.bucket_width / options.theta_step)));
  const int buckets = (options.theta_count + per_bucket - 1) / per_bucket;
  std::vector<double> theta_score(options.theta_count, 0.0);
  for (int k = 0; k < options.theta_count; ++k) {
    for (int w = 0; w < windows; ++w)
      theta_score[k] += cells[k][w].sparsity;
  }
  int best_bucket = -1;
  double best_bucket_score = 0.0;
  for (int b = 0; b < buckets; ++b) {
    double score = 0.0;
    for (int k = b * per_bucket; k < std::min(options.theta_count, (b + 1) * per_bucket); ++k) {
      score += theta_score[k];
    }
    if (score > best_bucket_score) {
      best_bucket_score = score;
      best_bucket = b;
    }
  }
  if (best_bucket < 0) {
    state.note = "no θ met the error target with any sparsity";
    co_return;
  }
  int best_theta = best_bucket * per_bucket;
  for (int k = best_theta; k < std::min(options.theta_count, (best_bucket + 1) * per_bucket); ++k) {
    if (theta_score[k] > theta_score[best_theta]) best_theta = k;
  }
  HeadSetting chosen{options.theta_first + best_theta * options.theta_step, 0.0, 0.0};
  for (int w = 0; w < windows; ++w) {
    const GridCell& cell = cells[best_theta][w];
    if (!cell.reached) continue;
    chosen.tau = std::max(chosen.tau, cell.tau);
    chosen.lambda = std::max(chosen.lambda, cell.lambda);
  }
  state.chosen = chosen;
}

}  // namespace afbs::engine
