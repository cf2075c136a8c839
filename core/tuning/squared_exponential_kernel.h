#pragma once

#include "core/tuning/ard_kernel.h"

namespace afbs::tuning {

// Squared exponential (RBF) with automatic relevance determination:
//   k(x, y) = s2 exp(-r^2 / 2),  r^2 = sum_i (x_i - y_i)^2 / l_i^2
// (Rasmussen & Williams, Gaussian Processes for Machine Learning, 2006, eq. 5.1). Smoother
// than Matérn-5/2, so it suits very smooth objectives; same hyperparameters and bounds:
// [log l_1 .. log l_d, log s2].
class SquaredExponentialKernel : public ArdKernel {
 public:
  explicit SquaredExponentialKernel(int dimension) : ArdKernel(dimension) {}

  std::string name() const override { return "squared-exponential-ard"; }
  std::unique_ptr<Kernel> clone() const override;
  Eigen::MatrixXd covariance(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) const override;
  Eigen::VectorXd contracted_gradient(const Eigen::MatrixXd& x,
                                      const Eigen::MatrixXd& weights) const override;
};

}  // namespace afbs::tuning
