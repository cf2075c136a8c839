#include "core/tuning/hyperparameter_fit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace afbs::tuning {

namespace {

// Maps between the bounded hyperparameters and the unconstrained search variables.
struct BoundedMap {
  Eigen::VectorXd lower, width;

  Eigen::VectorXd to_bounded(const Eigen::VectorXd& u) const {
    return (lower.array() + width.array() / (1.0 + (-u.array()).exp())).matrix();
  }
  Eigen::VectorXd to_free(const Eigen::VectorXd& p) const {
    const Eigen::ArrayXd fraction = ((p - lower).array() / width.array()).max(1e-6).min(1.0 - 1e-6);
    return (fraction / (1.0 - fraction)).log().matrix();
  }
  // dp/du, elementwise.
  Eigen::VectorXd derivative(const Eigen::VectorXd& u) const {
    const Eigen::ArrayXd s = 1.0 / (1.0 + (-u.array()).exp());
    return (width.array() * s * (1.0 - s)).matrix();
  }
};

}  // namespace

Status HyperparameterFit::fit(GaussianProcess& process, std::mt19937_64& rng, bool restarts) const {
  const BoundedMap map{process.lower_bounds(), process.upper_bounds() - process.lower_bounds()};
  const LbfgsMinimizer minimizer(options_.lbfgs);
  const LbfgsMinimizer::Objective negative_likelihood = [&](const Eigen::VectorXd& u, double* value,
                                                            Eigen::VectorXd* gradient) {
    Eigen::VectorXd bounded_gradient;
    auto likelihood = process.log_marginal_likelihood(map.to_bounded(u), &bounded_gradient);
    if (!likelihood) return false;
    *value = -*likelihood;
    *gradient = -(bounded_gradient.array() * map.derivative(u).array()).matrix();
    return true;
  };

  std::vector<Eigen::VectorXd> starts = {process.hyperparameters()};
  if (restarts) {
    std::vector<std::pair<double, Eigen::VectorXd>> screened;
    auto screen = [&](const Eigen::VectorXd& candidate) {
      auto likelihood = process.log_marginal_likelihood(candidate, nullptr);
      if (likelihood) screened.emplace_back(-*likelihood, candidate);
    };
    screen(process.default_hyperparameters());
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    for (int r = 0; r < options_.random_candidates; ++r) {
      Eigen::VectorXd candidate(map.lower.size());
      // Random starts avoid the outer tenth of each range, where the sigmoid is flat.
      for (Eigen::Index i = 0; i < candidate.size(); ++i) {
        candidate[i] = map.lower[i] + map.width[i] * (0.1 + 0.8 * uniform(rng));
      }
      screen(candidate);
    }
    const size_t kept = std::min<size_t>(std::max(options_.restarts, 0), screened.size());
    std::partial_sort(screened.begin(), screened.begin() + kept, screened.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < kept; ++i)
      starts.push_back(screened[i].second);
  }

  double best_value = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best;
  for (const auto& start : starts) {
    const LbfgsMinimizer::Outcome outcome =
        minimizer.minimize(negative_likelihood, map.to_free(start));
    if (outcome.evaluated && outcome.value < best_value) {
      best_value = outcome.value;
      best = map.to_bounded(outcome.x);
    }
  }
  if (best.size() == 0) return process.set_hyperparameters(process.hyperparameters());
  return process.set_hyperparameters(best);
}

}  // namespace afbs::tuning
