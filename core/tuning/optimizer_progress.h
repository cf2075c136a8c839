#pragma once

#include <Eigen/Core>
#include <optional>
#include <vector>

namespace afbs::tuning {

// One evaluation as told to the optimiser, in the caller's coordinates and units.
struct Observation {
  Eigen::VectorXd point;
  double objective = 0.0;
  std::vector<double> constraints;  // g_k(x); feasible when each is <= its threshold
  bool feasible = true;
};

// Where an optimisation stands: what stop rules decide on. Plain values only.
struct OptimizerProgress {
  int evaluations = 0;
  bool has_feasible = false;
  double best_objective = 0.0;  // best feasible objective, caller's sense; valid if has_feasible
  // Highest acquisition score the last model-based ask() found, and whether that score is an
  // expected improvement in objective units (rather than, say, a probability).
  std::optional<double> last_acquisition;
  bool last_acquisition_is_improvement = false;
};

}  // namespace afbs::tuning
