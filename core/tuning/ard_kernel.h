#pragma once

#include "core/tuning/kernel.h"

namespace afbs::tuning {

// What every stationary kernel with automatic relevance determination shares:
// k(x, y) = s2 f(r), r^2 = sum_i (x_i - y_i)^2 / l_i^2, one length scale per input.
// Hyperparameters [log l_1 .. log l_d, log s2], each bounded to [log 0.01, log 20] (unit-cube
// inputs, standardised outputs: shorter scales fit noise, longer make an input irrelevant).
class ArdKernel : public Kernel {
 public:
  explicit ArdKernel(int dimension);

  int dimension() const override { return static_cast<int>(length_scales_.size()); }
  int hyperparameter_count() const override { return dimension() + 1; }
  Eigen::VectorXd hyperparameters() const override;
  void set_hyperparameters(const Eigen::VectorXd& values) override;
  Eigen::VectorXd lower_bounds() const override;
  Eigen::VectorXd upper_bounds() const override;
  Eigen::VectorXd default_hyperparameters() const override;
  double prior_variance() const override { return signal_variance_; }

 protected:
  // Points divided by the length scales, coordinatewise.
  Eigen::MatrixXd scale(const Eigen::MatrixXd& points) const;
  // Squared distances between the rows of two scaled point sets (clamped at 0 against
  // round-off of |a|^2 + |b|^2 - 2ab, computed as one matrix product).
  static Eigen::MatrixXd squared_distances(const Eigen::MatrixXd& a_scaled,
                                           const Eigen::MatrixXd& b_scaled);
  // Writes the log-length-scale entries of a contracted gradient: with C_ab the weight of
  // (z_a,i - z_b,i)^2 in dk/dlog l_i and z = x / l,  sum_ab C_ab (z_a,i - z_b,i)^2 =
  // z_i^2 . (row + column sums of C) - 2 z_i^T C z_i.
  static void add_length_scale_gradient(const Eigen::MatrixXd& c, const Eigen::MatrixXd& scaled,
                                        Eigen::VectorXd& gradient);

  Eigen::VectorXd length_scales_;
  double signal_variance_ = 1.0;
};

}  // namespace afbs::tuning
