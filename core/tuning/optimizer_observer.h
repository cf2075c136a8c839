#pragma once

#include <vector>

namespace afbs::tuning {

// One accepted observation, reported as plain values (safe to copy across threads).
struct ObservationRecord {
  int index = 0;  // 0-based order of acceptance
  std::vector<double> point;
  double objective = 0.0;
  std::vector<double> constraints;
  bool feasible = true;
  bool has_feasible = false;    // whether any observation so far is feasible
  double best_objective = 0.0;  // best feasible so far, caller's sense (if has_feasible)
};

// Told about every observation the optimiser accepts. Swappable at run time.
class OptimizerObserver {
 public:
  virtual ~OptimizerObserver() = default;
  virtual void on_observation(const ObservationRecord& record) = 0;
};

}  // namespace afbs::tuning
