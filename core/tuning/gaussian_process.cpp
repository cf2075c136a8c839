#include "core/tuning/gaussian_process.h"

#include <cmath>
#include <numbers>
#include <sstream>

namespace afbs::tuning {

namespace {

// Noise variance in standardised units: from numerically noise-free to as large as the
// data's own variance. The constant mean stays within three standard deviations.
constexpr double kLogNoiseMin = -13.815510557964274;  // log 1e-6
constexpr double kLogNoiseMax = 0.0;
constexpr double kMeanBound = 3.0;

// Factorises `covariance` (modified in place by the jitter it needed), adding growing
// diagonal jitter when plain Cholesky fails. Returns the jitter used, or an error.
Result<double> factorise_with_jitter(Eigen::MatrixXd& covariance,
                                     Eigen::LLT<Eigen::MatrixXd>& cholesky) {
  cholesky.compute(covariance);
  if (cholesky.info() == Eigen::Success) return 0.0;
  const double scale = covariance.diagonal().mean();
  double added = 0.0;
  for (double jitter = 1e-10; jitter <= 1e-2; jitter *= 10.0) {
    covariance.diagonal().array() += jitter * scale - added;
    added = jitter * scale;
    cholesky.compute(covariance);
    if (cholesky.info() == Eigen::Success) return jitter;
  }
  return Error{
      "Gaussian process: covariance matrix is not positive definite even with jitter 1e-2 x "
      "its mean diagonal"};
}

}  // namespace

GaussianProcess::GaussianProcess(std::unique_ptr<Kernel> kernel)
    : kernel_(std::move(kernel)), log_noise_variance_(std::log(1e-4)) {}

GaussianProcess::GaussianProcess(const GaussianProcess& other)
    : kernel_(other.kernel_->clone()),
      log_noise_variance_(other.log_noise_variance_),
      mean_(other.mean_),
      inputs_(other.inputs_),
      outputs_(other.outputs_),
      standardised_(other.standardised_),
      output_offset_(other.output_offset_),
      output_scale_(other.output_scale_),
      cholesky_(other.cholesky_),
      alpha_(other.alpha_),
      jitter_(other.jitter_) {}

GaussianProcess& GaussianProcess::operator=(const GaussianProcess& other) {
  if (this != &other) *this = GaussianProcess(other);
  return *this;
}

Status GaussianProcess::set_data(const Eigen::MatrixXd& unit_inputs,
                                 const Eigen::VectorXd& outputs) {
  if (unit_inputs.rows() != outputs.size() || unit_inputs.cols() != dimension()) {
    return Error{"Gaussian process: " + std::to_string(unit_inputs.rows()) + " inputs of " +
                 std::to_string(unit_inputs.cols()) + " coordinates for " +
                 std::to_string(outputs.size()) + " outputs in dimension " +
                 std::to_string(dimension())};
  }
  for (Eigen::Index i = 0; i < outputs.size(); ++i) {
    if (!std::isfinite(outputs[i]) || !unit_inputs.row(i).allFinite()) {
      std::ostringstream message;
      message << "Gaussian process: observation " << i << " is not finite (output " << outputs[i]
              << ")";
      return Error{message.str()};
    }
  }
  inputs_ = unit_inputs;
  outputs_ = outputs;
  const Eigen::Index n = outputs.size();
  output_offset_ = n > 0 ? outputs.mean() : 0.0;
  const double spread =
      n > 1 ? std::sqrt((outputs.array() - output_offset_).square().sum() / double(n - 1)) : 0.0;
  output_scale_ = spread > 1e-12 * std::max(1.0, std::abs(output_offset_)) ? spread : 1.0;
  standardised_ = (outputs.array() - output_offset_) / output_scale_;
  return refactorise();
}

Eigen::VectorXd GaussianProcess::hyperparameters() const {
  Eigen::VectorXd values(hyperparameter_count());
  values.head(kernel_->hyperparameter_count()) = kernel_->hyperparameters();
  values[hyperparameter_count() - 2] = log_noise_variance_;
  values[hyperparameter_count() - 1] = mean_;
  return values;
}

Eigen::VectorXd GaussianProcess::lower_bounds() const {
  Eigen::VectorXd values(hyperparameter_count());
  values << kernel_->lower_bounds(), kLogNoiseMin, -kMeanBound;
  return values;
}

Eigen::VectorXd GaussianProcess::upper_bounds() const {
  Eigen::VectorXd values(hyperparameter_count());
  values << kernel_->upper_bounds(), kLogNoiseMax, kMeanBound;
  return values;
}

Eigen::VectorXd GaussianProcess::default_hyperparameters() const {
  Eigen::VectorXd values(hyperparameter_count());
  values << kernel_->default_hyperparameters(), std::log(1e-4), 0.0;
  return values;
}

Status GaussianProcess::set_hyperparameters(const Eigen::VectorXd& values) {
  if (values.size() != hyperparameter_count() || !values.allFinite()) {
    return Error{"Gaussian process: hyperparameters must be " +
                 std::to_string(hyperparameter_count()) + " finite values"};
  }
  kernel_->set_hyperparameters(values.head(kernel_->hyperparameter_count()));
  log_noise_variance_ = values[hyperparameter_count() - 2];
  mean_ = values[hyperparameter_count() - 1];
  return refactorise();
}

Status GaussianProcess::refactorise() {
  jitter_ = 0.0;
  if (inputs_.rows() == 0) return {};
  Eigen::MatrixXd covariance = kernel_->covariance(inputs_, inputs_);
  covariance.diagonal().array() += std::exp(log_noise_variance_);
  auto jitter = factorise_with_jitter(covariance, cholesky_);
  if (!jitter) return jitter.error();
  jitter_ = *jitter;
  alpha_ = cholesky_.solve((standardised_.array() - mean_).matrix());
  return {};
}

Result<double> GaussianProcess::log_marginal_likelihood(const Eigen::VectorXd& values,
                                                        Eigen::VectorXd* gradient) const {
  const int kernel_count = kernel_->hyperparameter_count();
  std::unique_ptr<Kernel> kernel = kernel_->clone();
  kernel->set_hyperparameters(values.head(kernel_count));
  const double noise = std::exp(values[kernel_count]);
  const double mean = values[kernel_count + 1];
  const Eigen::Index n = inputs_.rows();

  Eigen::MatrixXd covariance = kernel->covariance(inputs_, inputs_);
  covariance.diagonal().array() += noise;
  Eigen::LLT<Eigen::MatrixXd> cholesky;
  auto jitter = factorise_with_jitter(covariance, cholesky);
  if (!jitter) return jitter.error();
  const Eigen::VectorXd residual = (standardised_.array() - mean).matrix();
  const Eigen::VectorXd alpha = cholesky.solve(residual);
  const double log_determinant = 2.0 * cholesky.matrixLLT().diagonal().array().log().sum();
  const double value = -0.5 * residual.dot(alpha) - 0.5 * log_determinant -
                       0.5 * double(n) * std::log(2.0 * std::numbers::pi);
  if (gradient) {
    Eigen::MatrixXd weights = -cholesky.solve(Eigen::MatrixXd::Identity(n, n));
    weights.noalias() += alpha * alpha.transpose();
    gradient->resize(values.size());
    gradient->head(kernel_count) = 0.5 * kernel->contracted_gradient(inputs_, weights);
    (*gradient)[kernel_count] = 0.5 * noise * weights.trace();
    (*gradient)[kernel_count + 1] = alpha.sum();
  }
  return value;
}

Prediction GaussianProcess::predict(const Eigen::MatrixXd& unit_points) const {
  Prediction prediction;
  if (inputs_.rows() == 0) {  // the prior
    prediction.mean =
        Eigen::VectorXd::Constant(unit_points.rows(), mean_ * output_scale_ + output_offset_);
    prediction.variance = Eigen::VectorXd::Constant(
        unit_points.rows(), kernel_->prior_variance() * output_scale_ * output_scale_);
    return prediction;
  }
  const Eigen::MatrixXd cross = kernel_->covariance(unit_points, inputs_);  // m x n
  prediction.mean = ((cross * alpha_).array() + mean_) * output_scale_ + output_offset_;
  const Eigen::MatrixXd solved = cholesky_.matrixL().solve(cross.transpose());  // n x m
  prediction.variance =
      ((kernel_->prior_variance() - solved.colwise().squaredNorm().array()).max(0.0) *
       output_scale_ * output_scale_)
          .matrix()
          .transpose();
  return prediction;
}

}  // namespace afbs::tuning
