#include "core/tuning/squared_exponential_kernel.h"

#include <cassert>

namespace afbs::tuning {

std::unique_ptr<Kernel> SquaredExponentialKernel::clone() const {
  return std::make_unique<SquaredExponentialKernel>(*this);
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
  // C = weights .* K. dk/dlog s2 = k; dk/dlog l_i = k (x_i - y_i)^2 / l_i^2.
  const Eigen::MatrixXd c = (weights.array() * signal_variance_ *
                             (-0.5 * squared_distances(scaled, scaled).array()).exp())
                                .matrix();
  Eigen::VectorXd gradient(d + 1);
  gradient[d] = c.sum();
  add_length_scale_gradient(c, scaled, gradient);
  return gradient;
}

}  // namespace afbs::tuning
