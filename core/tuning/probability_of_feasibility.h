#pragma once

#include "core/tuning/acquisition.h"

namespace afbs::tuning {

// Probability that every constraint holds, each modelled by its own independent GP:
//   PoF(x) = prod_k Phi((t_k - mu_k(x)) / sigma_k(x))
// (Schonlau, Welch & Jones 1998, "Global versus local search in constrained optimization of
// computer models"; Gardner et al., ICML 2014, eq. 4). 1 when there are no constraints.
class ProbabilityOfFeasibility : public Acquisition {
 public:
  std::string name() const override { return "probability-of-feasibility"; }
  std::unique_ptr<Acquisition> clone() const override;
  Eigen::VectorXd evaluate(const AcquisitionContext& context,
                           const Eigen::MatrixXd& unit_points) const override;
  bool scores_improvement(const AcquisitionContext&) const override { return false; }

  // Phi((threshold - mean) / sigma) for one constraint, a step function when sigma is 0.
  static double closed_form(double mean, double variance, double threshold);
};

}  // namespace afbs::tuning
