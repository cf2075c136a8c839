#include "core/tuning/optimize.h"

namespace afbs::tuning {

Result<OptimizationOutcome> run_until_stop(BayesianOptimizer& optimizer,
                                           const BlackBoxFunction& function,
                                           const StopRule& stop_rule) {
  OptimizationOutcome outcome;
  while (true) {
    if (auto reason = stop_rule.check(optimizer.progress())) {
      outcome.stop_reason = *reason;
      break;
    }
    auto point = optimizer.ask();
    if (!point) return point.error();
    auto evaluation = function(*point);
    if (!evaluation) {
      return with_context("evaluating " + format_point(*point), evaluation.error());
    }
    if (Status told = optimizer.tell(*point, evaluation->objective, evaluation->constraints);
        !told) {
      return told.error();
    }
  }
  outcome.best = optimizer.best();
  outcome.history = optimizer.observations();
  return outcome;
}

Result<OptimizationOutcome> optimize(const BlackBoxFunction& function, const BoxDomain& box,
                                     const BayesianOptimizerOptions& options,
                                     const StopRule& stop_rule) {
  auto optimizer = BayesianOptimizer::create(box, options);
  if (!optimizer) return optimizer.error();
  return run_until_stop(*optimizer, function, stop_rule);
}

}  // namespace afbs::tuning
