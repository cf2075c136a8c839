#include "core/tuning/squared_exponential_kernel.h"

#include <cassert>
#include <cmath>

namespace afbs::tuning {

namespace {

// The same ranges as Matérn-5/2 (unit-cube inputs, standardised outputs).
constexpr double kLogMin = -4.605170185988091;  // log 0.01
constexpr double kLogMax = 2.995732273553991;   // log 20

Eigen::MatrixXd squared_distances(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  Eigen::MatrixXd squared = -2.0 * a * b.transpose();
  squared.colwise() += a.rowwise().squaredNorm();
  squared.rowwise() += b.rowwise().squaredNorm().transpose();
  return squared.cwiseMax(0.0);
}

}  // namespace

SquaredExponentialKernel::SquaredExponentialKernel(int dimension)
    : length_scales_(Eigen::VectorXd::Constant(dimension, 0.3)) {}

std::unique_ptr<Kernel> SquaredExponentialKernel::clone() const {
  return std::make_unique<SquaredExponentialKernel>(*this);
}

Eigen::VectorXd SquaredExponentialKernel::hyperparameters() const {
  Eigen::VectorXd values(hyperparameter_count());
  values.head(dimension()) = length_scales_.array().log().matrix();
  values[dimension()] = std::log(signal_variance_);
  return values;
}

void SquaredExponentialKernel::set_hyperparameters(const Eigen::VectorXd& values) {
  assert(values.size() == hyperparameter_count());
  length_scales_ = values.head(dimension()).array().exp().matrix();
  signal_variance_ = std::exp(values[dimension()]);
}

Eigen::VectorXd SquaredExponentialKernel::lower_bounds() const {
  return Eigen::VectorXd::Constant(hyperparameter_count(), kLogMin);
}

Eigen::VectorXd SquaredExponentialKernel::upper_bounds() const {
  return Eigen::VectorXd::Constant(hyperparameter_count(), kLogMax);
}

Eigen::VectorXd SquaredExponentialKernel::default_hyperparameters() const {
  Eigen::VectorXd values = Eigen::VectorXd::Constant(hyperparameter_count(), std::log(0.3));
  values[dimension()] = 0.0;
  return values;
}

Eigen::MatrixXd SquaredExponentialKernel::scale(const Eigen::MatrixXd& points) const {
  return points.array().rowwise() * length_scales_.cwiseInverse().transpose().array();
}

Eigen::MatrixXd SquaredExponentialKernel::covariance(const Eigen::MatrixXd& a,
                                                     const Eigen::MatrixXd& b) const {
  assert(a.cols() == dimension() && b.cols() == dimension());
  return (signal_variance_ * (-0.5 * squared_distances(scale(a), scale(b)).array()).exp()).matrix();
}

Eigen::VectorXd SquaredExponentialKernel::contracted_gradient(
    const Eigen::MatrixXd& x, const Eigen::MatrixXd& weights) const {
  const int d = dimension();
  const Eigen::MatrixXd scaled = scale(x);
  // C = weights .* K. dk/dlog s2 = k; dk/dlog l_i = k (x_i - y_i)^2 / l_i^2, contracted as
  // in Matern52Kernel: sum_ab C_ab (z_a - z_b)^2 = z^2 . (row + column sums of C) - 2 z^T C z.
  const Eigen::MatrixXd c = (weights.array() * signal_variance_ *
                             (-0.5 * squared_distances(scaled, scaled).array()).exp())
                                .matrix();
  Eigen::VectorXd gradient(d + 1);
  gradient[d] = c.sum();
  const Eigen::VectorXd sums = c.rowwise().sum() + c.colwise().sum().transpose();
  const Eigen::MatrixXd c_scaled = c * scaled;
  for (int i = 0; i < d; ++i) {
    gradient[i] = sums.dot(scaled.col(i).cwiseAbs2()) - 2.0 * scaled.col(i).dot(c_scaled.col(i));
  }
  return gradient;
}

}  // namespace afbs::tuning
