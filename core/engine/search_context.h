#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/engine/tuning_observer.h"

namespace afbs::engine {

// What every head search of one layer needs to know, copied into each task.
struct SearchContext {
  int layer = 0;
  std::vector<int> ladder;  // fidelity lengths, ascending; back() is n_F
  std::vector<int> tune_windows;
  std::vector<int> validation_windows;  // never empty (tune windows stand in when none)
  double target_error = 0.05;           // ε1
  double pv_target_error = 0.06;        // ε2
  double min_sparsity = 0.1;
  std::uint64_t seed = 0;

  int top_length() const { return ladder.back(); }
};

// A seed of its own for each (run seed, layer, head), so a head's random choices do not
// depend on the order in which the scheduler serves heads (splitmix64 finaliser).
std::uint64_t head_seed(std::uint64_t seed, int layer, int head);

// A head left dense (rule dense, τ = 1, λ = 50, not sparse), with the reason in words.
HeadResult dense_result(int head, double theta, std::string note);

// A sparse head at `setting` with its validation metrics.
HeadResult sparse_result(int head, const HeadSetting& setting, double sparsity, double error,
                         double skip_rate, bool meets_target);

}  // namespace afbs::engine
