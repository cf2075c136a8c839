#include "core/tuning/matern52_kernel.h"

#include <cassert>
#include <cmath>

namespace afbs::tuning {

namespace {

const double kSqrt5 = std::sqrt(5.0);

// Length scales live in [0.01, 20] on the unit cube: shorter than that is noise-fitting,
// longer makes the input irrelevant. Signal variance is for standardised outputs.
constexpr double kLogLengthMin = -4.605170185988091;    // log 0.01
constexpr double kLogLengthMax = 2.995732273553991;     // log 20
constexpr double kLogVarianceMin = -4.605170185988091;  // log 0.01
constexpr double kLogVarianceMax = 2.995732273553991;   // log 20

}  // namespace

Matern52Kernel::Matern52Kernel(int dimension)
    : length_scales_(Eigen::VectorXd::Constant(dimension, 0.3)) {}

std::unique_ptr<Kernel> Matern52Kernel::clone() const {
  return std::make_unique<Matern52Kernel>(*this);
}

Eigen::VectorXd Matern52Kernel::hyperparameters() const {
  Eigen::VectorXd values(hyperparameter_count());
  values.head(dimension()) = length_scales_.array().log().matrix();
  values[dimension()] = std::log(signal_variance_);
  return values;
}

void Matern52Kernel::set_hyperparameters(const Eigen::VectorXd& values) {
  assert(values.size() == hyperparameter_count());
  length_scales_ = values.head(dimension()).array().exp().matrix();
  signal_variance_ = std::exp(values[dimension()]);
}

Eigen::VectorXd Matern52Kernel::lower_bounds() const {
  Eigen::VectorXd bounds = Eigen::VectorXd::Constant(hyperparameter_count(), kLogLengthMin);
  bounds[dimension()] = kLogVarianceMin;
  return bounds;
}

Eigen::VectorXd Matern52Kernel::upper_bounds() const {
  Eigen::VectorXd bounds = Eigen::VectorXd::Constant(hyperparameter_count(), kLogLengthMax);
  bounds[dimension()] = kLogVarianceMax;
  return bounds;
}

Eigen::VectorXd Matern52Kernel::default_hyperparameters() const {
  Eigen::VectorXd values = Eigen::VectorXd::Constant(hyperparameter_count(), std::log(0.3));
  values[dimension()] = 0.0;
  return values;
}

Eigen::MatrixXd Matern52Kernel::scaled_distances(const Eigen::MatrixXd& a_scaled,
                                                 const Eigen::MatrixXd& b_scaled) {
  // |a|^2 + |b|^2 - 2ab as one matrix product, clamped at 0 against round-off.
  Eigen::MatrixXd squared = -2.0 * a_scaled * b_scaled.transpose();
  squared.colwise() += a_scaled.rowwise().squaredNorm();
  squared.rowwise() += b_scaled.rowwise().squaredNorm().transpose();
  return squared.array().max(0.0).sqrt().matrix();
}

Eigen::MatrixXd Matern52Kernel::scale(const Eigen::MatrixXd& points) const {
  return points.array().rowwise() * length_scales_.cwiseInverse().transpose().array();
}

Eigen::MatrixXd Matern52Kernel::covariance(const Eigen::MatrixXd& a,
                                           const Eigen::MatrixXd& b) const {
  assert(a.cols() == dimension() && b.cols() == dimension());
  const Eigen::ArrayXXd r = scaled_distances(scale(a), scale(b)).array();
  return (signal_variance_ * (1.0 + kSqrt5 * r + 5.0 / 3.0 * r.square()) * (-kSqrt5 * r).exp())
      .matrix();
}

Eigen::VectorXd Matern52Kernel::contracted_gradient(const Eigen::MatrixXd& x,
                                                    const Eigen::MatrixXd& weights) const {
  const int d = dimension();
  assert(weights.rows() == x.rows() && weights.cols() == x.rows());
  const Eigen::MatrixXd scaled = scale(x);
  const Eigen::ArrayXXd r = scaled_distances(scaled, scaled).array();
  const Eigen::ArrayXXd decay = (-kSqrt5 * r).exp();
  Eigen::VectorXd gradient(d + 1);
  // dk/dlog s2 = k.
  gradient[d] =
      (weights.array() * signal_variance_ * (1.0 + kSqrt5 * r + 5.0 / 3.0 * r.square()) * decay)
          .sum();
  // dk/dlog l_i = c(r) (x_i - y_i)^2 / l_i^2 with c(r) = 5/3 s2 (1 + sqrt5 r) exp(-sqrt5 r).
  // With C = weights .* c and z = x_i / l_i:  sum_ab C_ab (z_a - z_b)^2
  //   = sum_a z_a^2 (row sums of C)_a + sum_b z_b^2 (column sums of C)_b - 2 z^T C z.
  const Eigen::MatrixXd c =
      (weights.array() * (5.0 / 3.0 * signal_variance_) * (1.0 + kSqrt5 * r) * decay).matrix();
  const Eigen::VectorXd sums = c.rowwise().sum() + c.colwise().sum().transpose();
  const Eigen::MatrixXd c_scaled = c * scaled;
  for (int i = 0; i < d; ++i) {
    gradient[i] = sums.dot(scaled.col(i).cwiseAbs2()) - 2.0 * scaled.col(i).dot(c_scaled.col(i));
  }
  return gradient;
}

}  // namespace afbs::tuning
