#pragma once

// The static baselines (DESIGN.md §5, §9). Torch-free.
//   dense            every head dense
//   sparge-default   SpargeAttn's defaults on every head: θ 0.6, τ 0.98, λ 50
//   topk:F           the top fraction F ∈ (0, 1] of each row's causal blocks by compressed
//                    score, plus sink and diagonal
//   window:W         a sliding window of W tokens (block-granular) plus the sink block

#include <cstdint>
#include <string>

#include "core/attention/block_shape.h"
#include "core/attention/sparse_config.h"

namespace afbs {

// The one setting a preset gives every head; errors name the preset.
Result<HeadSetting> preset_head_setting(const std::string& preset);

// The preset as a whole-model config.
Result<SparseConfig> preset_config(const std::string& preset, const ModelIdentity& model);

// Sparsity of window:W at `length` tokens (sink and diagonal included). Data-independent.
double sliding_window_sparsity(int64_t length, BlockShape shape, double window_tokens);

// The window, a whole number of key blocks, whose sparsity at `length` comes closest to
// `target` (the "sliding window at equal sparsity" baseline).
int64_t window_tokens_for_sparsity(int64_t length, BlockShape shape, double target);

}  // namespace afbs
