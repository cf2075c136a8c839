#pragma once

#include <Eigen/Core>
#include <memory>
#include <string>

namespace afbs::tuning {

// A stationary covariance function on the unit cube, with its hyperparameters held as one
// vector in log space (so a gradient-based fit can stay unconstrained inside bounds).
// Points are the rows of the matrices. Swappable at run time: the Gaussian process owns a
// Kernel through this interface and clones it for each model it fits.
class Kernel {
 public:
  virtual ~Kernel() = default;

  virtual std::string name() const = 0;
  virtual std::unique_ptr<Kernel> clone() const = 0;
  virtual int dimension() const = 0;

  virtual int hyperparameter_count() const = 0;
  virtual Eigen::VectorXd hyperparameters() const = 0;
  // `values` must have hyperparameter_count() entries (a programmer error otherwise).
  virtual void set_hyperparameters(const Eigen::VectorXd& values) = 0;
  // Box in which the hyperparameter fit searches, and a sensible starting point.
  virtual Eigen::VectorXd lower_bounds() const = 0;
  virtual Eigen::VectorXd upper_bounds() const = 0;
  virtual Eigen::VectorXd default_hyperparameters() const = 0;

  // k(x, x): the prior variance of a stationary kernel.
  virtual double prior_variance() const = 0;
  // K[i, j] = k(a.row(i), b.row(j)).
  virtual Eigen::MatrixXd covariance(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) const = 0;
  // For each hyperparameter p: sum_ij weights(i, j) * dK(x, x)[i, j] / dp. This contraction
  // is all the marginal-likelihood gradient needs, without storing one matrix per p.
  virtual Eigen::VectorXd contracted_gradient(const Eigen::MatrixXd& x,
                                              const Eigen::MatrixXd& weights) const = 0;
};

}  // namespace afbs::tuning
