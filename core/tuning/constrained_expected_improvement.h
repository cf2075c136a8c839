#pragma once

#include "core/tuning/expected_improvement.h"
#include "core/tuning/probability_of_feasibility.h"

namespace afbs::tuning {

// Constrained expected improvement: EI over the best feasible observation times the
// probability that the point is feasible,  cEI(x) = EI(x) * PoF(x)
// (Gardner, Kusner, Xu, Weinberger & Cunningham, "Bayesian Optimization with Inequality
// Constraints", ICML 2014, eq. 5). Until some observation is feasible there is no incumbent,
// and it scores PoF(x) alone, searching for a feasible region first (same paper, §3).
// Without constraints it is plain EI.
class ConstrainedExpectedImprovement : public Acquisition {
 public:
  explicit ConstrainedExpectedImprovement(double margin = 0.0) : improvement_(margin) {}

  std::string name() const override { return "constrained-expected-improvement"; }
  std::unique_ptr<Acquisition> clone() const override;
  Eigen::VectorXd evaluate(const AcquisitionContext& context,
                           const Eigen::MatrixXd& unit_points) const override;
  bool scores_improvement(const AcquisitionContext& context) const override;

 private:
  ExpectedImprovement improvement_;
  ProbabilityOfFeasibility feasibility_;
};

}  // namespace afbs::tuning
