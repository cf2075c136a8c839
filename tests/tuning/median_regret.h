#pragma once

#include <algorithm>
#include <vector>

#include "core/tuning/optimize.h"
#include "core/tuning/stop_rules.h"

namespace afbs::tuning::testing {

inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

// Best feasible objective minus `optimum` for seeds 0..seeds-1, each a run of `budget`
// evaluations; +infinity for a run that found nothing feasible or failed.
inline std::vector<double> regrets(const BlackBoxFunction& function, const BoxDomain& box,
                                   BayesianOptimizerOptions options, int budget, int seeds,
                                   double optimum) {
  std::vector<double> result;
  for (int seed = 0; seed < seeds; ++seed) {
    options.seed = std::uint64_t(seed);
    auto outcome = optimize(function, box, options, BudgetStop(budget));
    const bool found = outcome.ok() && outcome->best.has_value();
    result.push_back(found ? outcome->best->objective - optimum
                           : std::numeric_limits<double>::infinity());
  }
  return result;
}

}  // namespace afbs::tuning::testing
