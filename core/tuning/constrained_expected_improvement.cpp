#include "core/tuning/constrained_expected_improvement.h"

namespace afbs::tuning {

std::unique_ptr<Acquisition> ConstrainedExpectedImprovement::clone() const {
  return std::make_unique<ConstrainedExpectedImprovement>(*this);
}

bool ConstrainedExpectedImprovement::scores_improvement(const AcquisitionContext& context) const {
  return context.constraints.empty() || context.incumbent.has_value();
}

Eigen::VectorXd ConstrainedExpectedImprovement::evaluate(const AcquisitionContext& context,
                                                         const Eigen::MatrixXd& unit_points) const {
  if (context.constraints.empty()) return improvement_.evaluate(context, unit_points);
  const Eigen::VectorXd feasibility = feasibility_.evaluate(context, unit_points);
  if (!context.incumbent) return feasibility;
  return (improvement_.evaluate(context, unit_points).array() * feasibility.array()).matrix();
}

}  // namespace afbs::tuning
