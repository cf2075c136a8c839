#include "core/tuning/ard_kernel.h"

#include <cassert>
#include <cmath>

namespace afbs::tuning {
namespace {

constexpr double kLogMin = -4.605170185988091;  // log 0.01
constexpr double kLogMax = 2.995732273553991;   // log 20

}  // namespace

ArdKernel::ArdKernel(int dimension) : length_scales_(Eigen::VectorXd::Constant(dimension, 0.3)) {}

Eigen::VectorXd ArdKernel::hyperparameters() const {
  Eigen::VectorXd values(hyperparameter_count());
  values.head(dimension()) = length_scales_.array().log().matrix();
  values[dimension()] = std::log(signal_variance_);
  return values;
}

void ArdKernel::set_hyperparameters(const Eigen::VectorXd& values) {
  assert(values.size() == hyperparameter_count());
  length_scales_ = values.head(dimension()).array().exp().matrix();
  signal_variance_ = std::exp(values[dimension()]);
}

Eigen::VectorXd ArdKernel::lower_bounds() const {
  return Eigen::VectorXd::Constant(hyperparameter_count(), kLogMin);
}

Eigen::VectorXd ArdKernel::upper_bounds() const {
  return Eigen::VectorXd::Constant(hyperparameter_count(), kLogMax);
}

Eigen::VectorXd ArdKernel::default_hyperparameters() const {
  Eigen::VectorXd values = Eigen::VectorXd::Constant(hyperparameter_count(), std::log(0.3));
  values[dimension()] = 0.0;
  return values;
}

Eigen::MatrixXd ArdKernel::scale(const Eigen::MatrixXd& points) const {
  return points.array().rowwise() * length_scales_.cwiseInverse().transpose().array();
}

Eigen::MatrixXd ArdKernel::squared_distances(const Eigen::MatrixXd& a_scaled,
                                             const Eigen::MatrixXd& b_scaled) {
  Eigen::MatrixXd squared = -2.0 * a_scaled * b_scaled.transpose();
  squared.colwise() += a_scaled.rowwise().squaredNorm();
  squared.rowwise() += b_scaled.rowwise().squaredNorm().transpose();
  return squared.cwiseMax(0.0);
}

void ArdKernel::add_length_scale_gradient(const Eigen::MatrixXd& c, const Eigen::MatrixXd& scaled,
                                          Eigen::VectorXd& gradient) {
  const Eigen::VectorXd sums = c.rowwise().sum() + c.colwise().sum().transpose();
  const Eigen::MatrixXd c_scaled = c * scaled;
  for (int i = 0; i < scaled.cols(); ++i) {
    gradient[i] = sums.dot(scaled.col(i).cwiseAbs2()) - 2.0 * scaled.col(i).dot(c_scaled.col(i));
  }
}

}  // namespace afbs::tuning
