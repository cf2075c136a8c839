#include "core/engine/layer_allocation.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace afbs::engine {
namespace {

struct HullStep {
  AllocationStep step;
  double slope = 0.0;  // sparsity per rise; infinity for a step that costs no rise
};

// One layer's upper convex hull from dense: from the current point, the option with the
// steepest slope; among equal slopes the cheaper one, so collinear options are all steps.
std::vector<HullStep> layer_hull(int layer, const std::vector<LayerOption>& options) {
  std::vector<HullStep> steps;
  double rise = 0.0;
  double sparsity = 0.0;
  for (;;) {
    int next = -1;
    double best_slope = -1.0;
    double next_rise = 0.0;
    for (std::size_t i = 0; i < options.size(); ++i) {
      const LayerOption& o = options[i];
      if (!(o.sparsity > sparsity) || !std::isfinite(o.rise)) continue;
      const double r = std::max(o.rise, 0.0);
      if (r < rise) continue;  // cannot happen on a hull; kept out for safety
      const double slope = r == rise ? std::numeric_limits<double>::infinity()
                                     : (o.sparsity - sparsity) / (r - rise);
      const bool steeper = slope > best_slope;
      const bool free_and_sparser =
          std::isinf(slope) && std::isinf(best_slope) && o.sparsity > options[next].sparsity;
      const bool as_steep_and_cheaper = !std::isinf(slope) && slope == best_slope && r < next_rise;
      if (steeper || free_and_sparser || as_steep_and_cheaper) {
        next = static_cast<int>(i);
        best_slope = slope;
        next_rise = r;
      }
    }
    if (next < 0) return steps;
    HullStep hull;
    hull.step.layer = layer;
    hull.step.option = next;
    hull.step.rise = next_rise - rise;
    hull.step.sparsity = options[next].sparsity - sparsity;
    hull.slope = best_slope;
    steps.push_back(hull);
    rise = next_rise;
    sparsity = options[next].sparsity;
  }
}

}  // namespace

std::vector<AllocationStep> allocation_path(const std::vector<std::vector<LayerOption>>& layers) {
  std::vector<HullStep> all;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const std::vector<HullStep> hull = layer_hull(static_cast<int>(l), layers[l]);
    all.insert(all.end(), hull.begin(), hull.end());
  }
  // Each layer's slopes fall along its hull, so a stable sort by slope keeps every layer's
  // steps in order (ties: lower layer first, as inserted).
  std::stable_sort(all.begin(), all.end(),
                   [](const HullStep& a, const HullStep& b) { return a.slope > b.slope; });
  std::vector<AllocationStep> path;
  for (const HullStep& hull : all)
    path.push_back(hull.step);
  return path;
}

std::vector<int> choices_after(const std::vector<AllocationStep>& path, int layer_count,
                               int steps) {
  std::vector<int> choices(layer_count, -1);
  const int n = std::clamp(steps, 0, static_cast<int>(path.size()));
  for (int i = 0; i < n; ++i)
    choices[path[i].layer] = path[i].option;
  return choices;
}

int steps_within(const std::vector<AllocationStep>& path, double budget) {
  double rise = 0.0;
  int steps = 0;
  for (const AllocationStep& step : path) {
    rise += step.rise;
    if (rise > budget) break;
    ++steps;
  }
  return steps;
}

}  // namespace afbs::engine
