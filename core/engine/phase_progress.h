#pragma once

#include <string>

namespace afbs::engine {

// Progress of a named phase outside the per-layer tuning (load, capture, guard round r,
// quality length n): how many of its windows are done and what is left of it. Plain value.
struct PhaseProgress {
  std::string phase;           // "capture Q/K/V", "guard round 1: perplexity", ...
  int done = 0;                // windows (or steps) finished
  int total = 0;               // 0 while unknown
  double elapsed_seconds = 0;  // in this phase, pauses excluded
  double eta_seconds = -1;     // what is left of this phase; negative while unknown
};

// Receives phase progress on the worker thread; must return quickly.
class PhaseObserver {
 public:
  virtual ~PhaseObserver() = default;
  virtual void on_phase(const PhaseProgress& progress) = 0;
};

}  // namespace afbs::engine
