#include "core/tuning/lbfgs_minimizer.h"

#include <cmath>
#include <deque>

namespace afbs::tuning {

namespace {

constexpr double kArmijo = 1e-4;
constexpr int kMaxBacktracks = 30;

bool evaluate(const LbfgsMinimizer::Objective& objective, const Eigen::VectorXd& x, double* value,
              Eigen::VectorXd* gradient, int* evaluations) {
  ++*evaluations;
  return objective(x, value, gradient) && std::isfinite(*value) && gradient->allFinite();
}

}  // namespace

LbfgsMinimizer::Outcome LbfgsMinimizer::minimize(const Objective& objective,
                                                 const Eigen::VectorXd& start) const {
  Outcome outcome;
  outcome.x = start;
  Eigen::VectorXd gradient;
  if (!evaluate(objective, outcome.x, &outcome.value, &gradient, &outcome.evaluations)) {
    return outcome;
  }
  outcome.evaluated = true;

  std::deque<Eigen::VectorXd> steps, gradient_changes;
  std::deque<double> curvatures;  // 1 / (y . s)
  Eigen::VectorXd trial_x, trial_gradient;
  for (; outcome.iterations < options_.max_iterations; ++outcome.iterations) {
    if (gradient.lpNorm<Eigen::Infinity>() < options_.gradient_tolerance) break;

    // Two-loop recursion: direction = -H * gradient.
    Eigen::VectorXd direction = -gradient;
    std::vector<double> coefficients(steps.size());
    for (int k = int(steps.size()) - 1; k >= 0; --k) {
      coefficients[k] = curvatures[k] * steps[k].dot(direction);
      direction -= coefficients[k] * gradient_changes[k];
    }
    if (!steps.empty()) {
      direction *=
          steps.back().dot(gradient_changes.back()) / gradient_changes.back().squaredNorm();
    } else {
      direction /= std::max(1.0, gradient.norm());  // first step: unit length at most
    }
    for (size_t k = 0; k < steps.size(); ++k) {
      const double beta = curvatures[k] * gradient_changes[k].dot(direction);
      direction += (coefficients[k] - beta) * steps[k];
    }
    double slope = gradient.dot(direction);
    if (slope >= 0.0) {  // not a descent direction: forget the history
      steps.clear();
      gradient_changes.clear();
      curvatures.clear();
      direction = -gradient / std::max(1.0, gradient.norm());
      slope = gradient.dot(direction);
    }

    double step = 1.0, trial_value = 0.0;
    bool accepted = false;
    for (int backtrack = 0; backtrack < kMaxBacktracks; ++backtrack, step *= 0.5) {
      trial_x = outcome.x + step * direction;
      if (evaluate(objective, trial_x, &trial_value, &trial_gradient, &outcome.evaluations) &&
          trial_value <= outcome.value + kArmijo * step * slope) {
        accepted = true;
        break;
      }
    }
    if (!accepted) break;

    const Eigen::VectorXd s = trial_x - outcome.x;
    const Eigen::VectorXd y = trial_gradient - gradient;
    const double previous = outcome.value;
    outcome.x = trial_x;
    outcome.value = trial_value;
    gradient = trial_gradient;
    if (y.dot(s) > 1e-12 * y.norm() * s.norm()) {  // keep only curvature-positive pairs
      steps.push_back(s);
      gradient_changes.push_back(y);
      curvatures.push_back(1.0 / y.dot(s));
      if (int(steps.size()) > options_.memory) {
        steps.pop_front();
        gradient_changes.pop_front();
        curvatures.pop_front();
      }
    }
    if (previous - trial_value <= options_.relative_tolerance * std::max(1.0, std::abs(previous))) {
      ++outcome.iterations;
      break;
    }
  }
  return outcome;
}

}  // namespace afbs::tuning
