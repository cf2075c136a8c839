#pragma once

#include "core/tuning/acquisition.h"

namespace afbs::tuning {

// Expected improvement over the incumbent f* for minimisation, in closed form
// (Jones, Schonlau & Welch, J. Global Optimization 13, 1998, eq. 15):
//   EI(x) = (f* - mu - xi) Phi(z) + sigma phi(z),  z = (f* - mu - xi) / sigma,
// with mu, sigma the posterior mean and standard deviation, xi >= 0 an optional margin.
// Without a feasible incumbent, f* is the lowest observed objective.
class ExpectedImprovement : public Acquisition {
 public:
  explicit ExpectedImprovement(double margin = 0.0) : margin_(margin) {}

  std::string name() const override { return "expected-improvement"; }
  std::unique_ptr<Acquisition> clone() const override;
  Eigen::VectorXd evaluate(const AcquisitionContext& context,
                           const Eigen::MatrixXd& unit_points) const override;
  bool scores_improvement(const AcquisitionContext&) const override { return true; }

  // The closed form for one mean and variance (exposed for tests and for composition).
  static double closed_form(double mean, double variance, double incumbent, double margin);

 private:
  double margin_;
};

}  // namespace afbs::tuning
