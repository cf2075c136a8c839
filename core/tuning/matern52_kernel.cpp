#include "core/tuning/matern52_kernel.h"

#include <cassert>
#include <cmath>

namespace afbs::tuning {
namespace {

const double kSqrt5 = std::sqrt(5.0);

}  // namespace

std::unique_ptr<Kernel> Matern52Kernel::clone() const {
  return std::make_unique<Matern52Kernel>(*this);
}

Eigen::MatrixXd Matern52Kernel::covariance(const Eigen::MatrixXd& a,
                                           const Eigen::MatrixXd& b) const {
  assert(a.cols() == dimension() && b.cols() == dimension());
  const Eigen::ArrayXXd r = squared_distances(scale(a), scale(b)).array().sqrt();
  return (signal_variance_ * (1.0 + kSqrt5 * r + 5.0 / 3.0 * r.square()) * (-kSqrt5 * r).exp())
      .matrix();
}

Eigen::VectorXd Matern52Kernel::contracted_gradient(const Eigen::MatrixXd& x,
                                                    const Eigen::MatrixXd& weights) const {
  const int d = dimension();
  assert(weights.rows() == x.rows() && weights.cols() == x.rows());
  const Eigen::MatrixXd scaled = scale(x);
  const Eigen::ArrayXXd r = squared_distances(scaled, scaled).array().sqrt();
  const Eigen::ArrayXXd decay = (-kSqrt5 * r).exp();
  Eigen::VectorXd gradient(d + 1);
  // dk/dlog s2 = k.
  gradient[d] =
      (weights.array() * signal_variance_ * (1.0 + kSqrt5 * r + 5.0 / 3.0 * r.square()) * decay)
          .sum();
  // dk/dlog l_i = c(r) (x_i - y_i)^2 / l_i^2 with c(r) = 5/3 s2 (1 + sqrt5 r) exp(-sqrt5 r).
  const Eigen::MatrixXd c =
      (weights.array() * (5.0 / 3.0 * signal_variance_) * (1.0 + kSqrt5 * r) * decay).matrix();
  add_length_scale_gradient(c, scaled, gradient);
  return gradient;
}

}  // namespace afbs::tuning
