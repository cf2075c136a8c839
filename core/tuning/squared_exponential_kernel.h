#pragma once

#include "core/tuning/kernel.h"

namespace afbs::tuning {

// Squared exponential (RBF) with automatic relevance determination:
//   k(x, y) = s2 exp(-r^2 / 2),  r^2 = sum_i (x_i - y_i)^2 / l_i^2
// (Rasmussen & Williams, Gaussian Processes for Machine Learning, 2006, eq. 5.1). Smoother
// than Matérn-5/2, so it suits very smooth objectives; same hyperparameters and bounds:
// [log l_1 .. log l_d, log s2].
class SquaredExponentialKernel : public Kernel {
 public:
  explicit SquaredExponentialKernel(int dimension);

  std::string name() const override { return "squared-exponential-ard"; }
  std::unique_ptr<Kernel> clone() const override;
  int dimension() const override { return static_cast<int>(length_scales_.size()); }

  int hyperparameter_count() const override { return dimension() + 1; }
  Eigen::VectorXd hyperparameters() const override;
  void set_hyperparameters(const Eigen::VectorXd& values) override;
  Eigen::VectorXd lower_bounds() const override;
  Eigen::VectorXd upper_bounds() const override;
  Eigen::VectorXd default_hyperparameters() const override;

  double prior_variance() const override { return signal_variance_; }
  Eigen::MatrixXd covariance(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) const override;
  Eigen::VectorXd contracted_gradient(const Eigen::MatrixXd& x,
                                      const Eigen::MatrixXd& weights) const override;

 private:
  Eigen::MatrixXd scale(const Eigen::MatrixXd& points) const;

  Eigen::VectorXd length_scales_;
  double signal_variance_ = 1.0;
};

}  // namespace afbs::tuning
