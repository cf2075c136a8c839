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

// Where an evaluator's time went, wall seconds. `reference`: what a (layer, window, length)
// needs once whatever the setting (the dense output and its L1 norm, the predictor's pooled
// blocks and sorted scores); `predict`: block masks per setting; `attend`: the sparse
// attention and its error sums. On a GPU each is timed to the device's completion, and
// `device` adds up those parts that ran there (the evaluator's busy time on the GPU).
struct EvaluatorSeconds {
  double reference = 0.0;
  double predict = 0.0;
  double attend = 0.0;
  double device = 0.0;
};

}  // namespace afbs
