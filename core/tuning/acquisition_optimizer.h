#pragma once

#include <Eigen/Core>
#include <random>

#include "core/tuning/acquisition.h"

namespace afbs::tuning {

// The point of the unit cube with the highest acquisition score found, and that score.
struct AcquisitionMaximum {
  Eigen::VectorXd unit_point;
  double value = 0.0;
};

// Maximises an acquisition function over the unit cube: scores many scrambled Sobol
// candidates plus Gaussian perturbations of the incumbent (where EI concentrates late in a
// run), then refines the best few by compass search (Kolda, Lewis & Torczon, SIAM Review
// 45, 2003, §3): poll +-step along each axis, move to the best improvement, halve the step
// when none improves.
class AcquisitionOptimizer {
 public:
  struct Options {
    int sobol_candidates = 512;
    int local_candidates = 128;  // around the incumbent, when there is one
    int refine_starts = 4;
    double initial_step = 0.05;
    double final_step = 1e-4;
    int max_polls_per_start = 60;
  };

  AcquisitionOptimizer() = default;
  explicit AcquisitionOptimizer(Options options) : options_(options) {}

  // `incumbent_unit` is the unit-cube point of the best observation (empty when none).
  AcquisitionMaximum maximize(const Acquisition& acquisition, const AcquisitionContext& context,
                              const Eigen::VectorXd& incumbent_unit, std::mt19937_64& rng) const;

 private:
  Options options_;
};

}  // namespace afbs::tuning
