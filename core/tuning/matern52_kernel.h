#pragma once

#include "core/tuning/kernel.h"

namespace afbs::tuning {

// Matérn-5/2 with automatic relevance determination (one length scale per input):
//   k(x, y) = s2 (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r),  r^2 = sum_i (x_i - y_i)^2 / l_i^2
// (Rasmussen & Williams, Gaussian Processes for Machine Learning, 2006, eq. 4.17).
// Hyperparameters: [log l_1 .. log l_d, log s2].
class Matern52Kernel : public Kernel {
 public:
  explicit Matern52Kernel(int dimension);

  std::string name() const override { return "matern52-ard"; }
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
  // Points divided by the length scales, coordinatewise.
  Eigen::MatrixXd scale(const Eigen::MatrixXd& points) const;
  // Euclidean distances between the rows of two scaled point sets.
  static Eigen::MatrixXd scaled_distances(const Eigen::MatrixXd& a_scaled,
                                          const Eigen::MatrixXd& b_scaled);

  Eigen::VectorXd length_scales_;
  double signal_variance_ = 1.0;
};

}  // namespace afbs::tuning
