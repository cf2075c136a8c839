#include "core/tuning/expected_improvement.h"

#include <algorithm>

#include "core/tuning/normal_distribution.h"

namespace afbs::tuning {

std::unique_ptr<Acquisition> ExpectedImprovement::clone() const {
  return std::make_unique<ExpectedImprovement>(*this);
}

double ExpectedImprovement::closed_form(double mean, double variance, double incumbent,
                                        double margin) {
  const double gain = incumbent - mean - margin;
  const double sigma = std::sqrt(std::max(variance, 0.0));
  if (sigma < 1e-12) return std::max(gain, 0.0);
  const double z = gain / sigma;
  return std::max(gain * standard_normal_cdf(z) + sigma * standard_normal_pdf(z), 0.0);
}

Eigen::VectorXd ExpectedImprovement::evaluate(const AcquisitionContext& context,
                                              const Eigen::MatrixXd& unit_points) const {
  const GaussianProcess& model = *context.objective;
  const double incumbent = context.incumbent               ? *context.incumbent
                           : model.observation_count() > 0 ? model.outputs().minCoeff()
                                                           : 0.0;
  const Prediction prediction = model.predict(unit_points);
  Eigen::VectorXd scores(unit_points.rows());
  for (Eigen::Index i = 0; i < scores.size(); ++i) {
    scores[i] = closed_form(prediction.mean[i], prediction.variance[i], incumbent, margin_);
  }
  return scores;
}

}  // namespace afbs::tuning
