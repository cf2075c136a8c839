#pragma once

// How much evaluating the tuners asked for (DESIGN.md §5, "Counting"). Torch-free.

#include <cstdint>

namespace afbs {

struct EvaluationCounts {
  int64_t evaluations = 0;          // one head × one setting × one window × one length
  double squared_length_sum = 0.0;  // Σ n² over those evaluations

  // Evaluations weighted by (n / n_F)².
  double weighted(int64_t top_length) const {
    const double top = static_cast<double>(top_length);
    return top > 0 ? squared_length_sum / (top * top) : 0.0;
  }
};

}  // namespace afbs
