#pragma once

#include <Eigen/Core>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/tuning/bayesian_optimizer.h"
#include "core/tuning/stop_rule.h"

namespace afbs::tuning {

// What a black-box function returns at one point: its objective and constraint values.
struct Evaluation {
  double objective = 0.0;
  std::vector<double> constraints;
};

// Takes a point in the box's coordinates; an Error ends the run with that error.
using BlackBoxFunction = std::function<Result<Evaluation>(const Eigen::VectorXd& point)>;

struct OptimizationOutcome {
  std::optional<Observation> best;  // best feasible observation, if any
  std::vector<Observation> history;
  std::string stop_reason;
};

// Runs ask -> evaluate -> tell until `stop_rule` fires. Returns the function's error, or
// the optimiser's (a NaN or infinite value, for one), naming the point.
Result<OptimizationOutcome> run_until_stop(BayesianOptimizer& optimizer,
                                           const BlackBoxFunction& function,
                                           const StopRule& stop_rule);

// Convenience: builds an optimiser on `box` with `options` and runs it to `stop_rule`.
Result<OptimizationOutcome> optimize(const BlackBoxFunction& function, const BoxDomain& box,
                                     const BayesianOptimizerOptions& options,
                                     const StopRule& stop_rule);

}  // namespace afbs::tuning
