#include "core/tuning/probability_of_feasibility.h"

#include <cmath>

#include "core/tuning/normal_distribution.h"

namespace afbs::tuning {

std::unique_ptr<Acquisition> ProbabilityOfFeasibility::clone() const {
  return std::make_unique<ProbabilityOfFeasibility>(*this);
}

double ProbabilityOfFeasibility::closed_form(double mean, double variance, double threshold) {
  const double sigma = std::sqrt(std::max(variance, 0.0));
  if (sigma < 1e-12) return mean <= threshold ? 1.0 : 0.0;
  return standard_normal_cdf((threshold - mean) / sigma);
}

Eigen::VectorXd ProbabilityOfFeasibility::evaluate(const AcquisitionContext& context,
                                                   const Eigen::MatrixXd& unit_points) const {
  Eigen::VectorXd scores = Eigen::VectorXd::Ones(unit_points.rows());
  for (size_t k = 0; k < context.constraints.size(); ++k) {
    const Prediction prediction = context.constraints[k]->predict(unit_points);
    for (Eigen::Index i = 0; i < scores.size(); ++i) {
      scores[i] *= closed_form(prediction.mean[i], prediction.variance[i], context.thresholds[k]);
    }
  }
  return scores;
}

}  // namespace afbs::tuning
