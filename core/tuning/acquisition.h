#pragma once

#include <Eigen/Core>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/tuning/gaussian_process.h"

namespace afbs::tuning {

// What an acquisition function scores against. The objective model is always one to
// MINIMISE (the optimiser negates a maximised objective before modelling it); constraint
// k holds where g_k(x) <= thresholds[k].
struct AcquisitionContext {
  const GaussianProcess* objective = nullptr;
  std::vector<const GaussianProcess*> constraints;
  std::vector<double> thresholds;
  // Lowest objective among the feasible observations; empty when none is feasible yet.
  std::optional<double> incumbent;
};

// Scores unit-cube points by how useful evaluating them would be (higher is better).
// Swappable at run time through this interface.
class Acquisition {
 public:
  virtual ~Acquisition() = default;
  virtual std::string name() const = 0;
  virtual std::unique_ptr<Acquisition> clone() const = 0;
  // One score per row of `unit_points`.
  virtual Eigen::VectorXd evaluate(const AcquisitionContext& context,
                                   const Eigen::MatrixXd& unit_points) const = 0;
  // True when the score is an expected improvement in objective units (so "negligible"
  // means something); false while it only measures, say, the chance of feasibility.
  virtual bool scores_improvement(const AcquisitionContext& context) const = 0;
};

}  // namespace afbs::tuning
