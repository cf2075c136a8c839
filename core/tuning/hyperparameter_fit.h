#pragma once

#include <random>

#include "core/common/result.h"
#include "core/tuning/gaussian_process.h"
#include "core/tuning/lbfgs_minimizer.h"

namespace afbs::tuning {

// Type-II maximum likelihood: maximises the Gaussian process's log marginal likelihood over
// its hyperparameters inside their bounds, by L-BFGS from several starts: the current
// values, and the best few of the defaults and random points drawn from `rng` (screened by
// the likelihood alone, which costs a third of a gradient evaluation). Bounds are kept by the
// smooth map p = lower + (upper - lower) * sigmoid(u), so the search itself is unconstrained.
class HyperparameterFit {
 public:
  struct Options {
    int random_candidates = 16;  // random starts screened by likelihood value
    int restarts = 1;            // screened starts (defaults included) run to convergence
    LbfgsMinimizer::Options lbfgs;
  };

  HyperparameterFit() = default;
  explicit HyperparameterFit(Options options) : options_(options) {}

  // Leaves the best hyperparameters found set on `process`. With `restarts` false it only
  // continues from the current hyperparameters (cheap, for refits after one new
  // observation). An error only when the process cannot be factorised at all.
  Status fit(GaussianProcess& process, std::mt19937_64& rng, bool restarts = true) const;

 private:
  Options options_;
};

}  // namespace afbs::tuning
