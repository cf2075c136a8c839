#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <memory>

#include "core/common/result.h"
#include "core/tuning/kernel.h"

namespace afbs::tuning {

// Posterior of the latent function at a set of points, in the caller's output units.
struct Prediction {
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;  // of the latent function (observation noise excluded)
};

// Gaussian-process regression with a constant mean and Gaussian noise, on inputs already
// scaled to the unit cube. Outputs are standardised internally (zero mean, unit variance),
// so the hyperparameter bounds mean the same thing whatever the function's scale.
// Hyperparameters: [kernel's (log space) ..., log noise variance, constant mean], the last
// two in standardised output units.
class GaussianProcess {
 public:
  explicit GaussianProcess(std::unique_ptr<Kernel> kernel);
  GaussianProcess(const GaussianProcess& other);
  GaussianProcess& operator=(const GaussianProcess& other);
  GaussianProcess(GaussianProcess&&) = default;
  GaussianProcess& operator=(GaussianProcess&&) = default;

  const Kernel& kernel() const { return *kernel_; }
  int dimension() const { return kernel_->dimension(); }
  Eigen::Index observation_count() const { return inputs_.rows(); }
  const Eigen::MatrixXd& inputs() const { return inputs_; }
  const Eigen::VectorXd& outputs() const { return outputs_; }

  // Replaces the training data (rows of `unit_inputs`, one output each) and refactorises.
  // Returns an error naming the first non-finite value or a shape mismatch.
  Status set_data(const Eigen::MatrixXd& unit_inputs, const Eigen::VectorXd& outputs);

  int hyperparameter_count() const { return kernel_->hyperparameter_count() + 2; }
  Eigen::VectorXd hyperparameters() const;
  Eigen::VectorXd lower_bounds() const;
  Eigen::VectorXd upper_bounds() const;
  Eigen::VectorXd default_hyperparameters() const;
  // Sets the hyperparameters and refactorises; an error when the covariance cannot be
  // factorised even with the largest jitter.
  Status set_hyperparameters(const Eigen::VectorXd& values);

  // log p(y | X, hyperparameters) of the standardised outputs at `values` (the model's own
  // hyperparameters are untouched), with its analytic gradient when `gradient` is given:
  //   d/dp = 1/2 tr((a a^T - K^-1) dK/dp),  a = K^-1 (y - m)   (Rasmussen & Williams eq. 5.9)
  Result<double> log_marginal_likelihood(const Eigen::VectorXd& values,
                                         Eigen::VectorXd* gradient) const;

  // Posterior mean and latent variance at the rows of `unit_points`. Needs data.
  Prediction predict(const Eigen::MatrixXd& unit_points) const;

  // Diagonal jitter (in standardised units) the last factorisation needed; 0 when none.
  double jitter() const { return jitter_; }

 private:
  Status refactorise();

  std::unique_ptr<Kernel> kernel_;
  double log_noise_variance_;
  double mean_ = 0.0;

  Eigen::MatrixXd inputs_;
  Eigen::VectorXd outputs_;
  Eigen::VectorXd standardised_;
  double output_offset_ = 0.0;
  double output_scale_ = 1.0;

  Eigen::LLT<Eigen::MatrixXd> cholesky_;
  Eigen::VectorXd alpha_;  // K^-1 (y - m) in standardised units
  double jitter_ = 0.0;
};

}  // namespace afbs::tuning
