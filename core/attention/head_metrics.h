#pragma once

// What one head at one setting scores (DESIGN.md §4). Torch-free value type.

#include <cstdint>

namespace afbs {

struct HeadMetrics {
  double sparsity = 0.0;   // 1 − kept causal blocks / all causal blocks
  double error = 0.0;      // relative L1: Σ|O_sparse − O_dense| / Σ|O_dense|
  double skip_rate = 0.0;  // PV-skipped blocks / kept blocks
  int64_t kept_blocks = 0;
  int64_t causal_blocks = 0;
  int64_t skipped_blocks = 0;
};

}  // namespace afbs
