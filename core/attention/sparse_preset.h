#pragma once

// The static baselines as configs (DESIGN.md §5, §9). Torch-free.
//   dense            every head dense
//   sparge-default   SpargeAttn's defaults on every head: θ 0.6, τ 0.98, λ 50
//   topk:F           the top fraction F ∈ (0, 1] of each row's causal blocks by compressed
//                    score, plus sink and diagonal
//   window:W         a sliding window of W tokens (block-granular) plus the sink block

#include <string>

#include "core/attention/sparse_config.h"

namespace afbs {

Result<SparseConfig> preset_config(const std::string& preset, const ModelIdentity& model);

}  // namespace afbs
