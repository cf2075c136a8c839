#pragma once

#include <Eigen/Core>
#include <functional>

namespace afbs::tuning {

// Limited-memory BFGS for a smooth unconstrained function (Nocedal & Wright, Numerical
// Optimization, 2nd ed., Algorithm 7.4 two-loop recursion, with a backtracking Armijo line
// search). Box bounds are the caller's business (a smooth reparametrisation).
class LbfgsMinimizer {
 public:
  // Writes f(x) and its gradient; returns false where f cannot be evaluated (the line search
  // then steps back).
  using Objective =
      std::function<bool(const Eigen::VectorXd& x, double* value, Eigen::VectorXd* gradient)>;

  struct Options {
    int max_iterations = 60;
    int memory = 6;
    double gradient_tolerance = 1e-6;  // stop when max |gradient| falls below
    double relative_tolerance = 1e-7;  // stop when f improves by less than this, relatively
  };

  struct Outcome {
    Eigen::VectorXd x;
    double value = 0.0;
    int iterations = 0;
    int evaluations = 0;
    bool evaluated = false;  // false when f could not be evaluated even at the start
  };

  LbfgsMinimizer() = default;
  explicit LbfgsMinimizer(Options options) : options_(options) {}

  Outcome minimize(const Objective& objective, const Eigen::VectorXd& start) const;

 private:
  Options options_;
};

}  // namespace afbs::tuning
