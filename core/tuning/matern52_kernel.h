#pragma once

#include "core/tuning/ard_kernel.h"

namespace afbs::tuning {

// Matérn-5/2 with automatic relevance determination (one length scale per input):
//   k(x, y) = s2 (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r),  r^2 = sum_i (x_i - y_i)^2 / l_i^2
// (Rasmussen & Williams, Gaussian Processes for Machine Learning, 2006, eq. 4.17).
// Hyperparameters: [log l_1 .. log l_d, log s2].
class Matern52Kernel : public ArdKernel {
 public:
  explicit Matern52Kernel(int dimension) : ArdKernel(dimension) {}

  std::string name() const override { return "matern52-ard"; }
  std::unique_ptr<Kernel> clone() const override;
  Eigen::MatrixXd covariance(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) const override;
  Eigen::VectorXd contracted_gradient(const Eigen::MatrixXd& x,
                                      const Eigen::MatrixXd& weights) const override;
};

}  // namespace afbs::tuning
