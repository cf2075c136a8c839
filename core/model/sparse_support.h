#pragma once

// Whether the sparse-attention seam (mask predictor, evaluator, block-sparse kernels) computes
// what this model's attention computes. Torch-free: checked before any capture or tuning.

#include <cstdint>

#include "core/common/result.h"
#include "core/model/model_config.h"

namespace afbs {

// The largest head size the block-sparse kernels take (DESIGN.md: d 64 and 128).
inline constexpr int64_t kMaxSparseHeadDim = 128;

// OK, or an error naming the config.json setting the sparse path does not reproduce:
// head_dim above kMaxSparseHeadDim (Gemma 2's 256), attn_logit_softcapping (Gemma 2), or a
// layer's sliding window shorter than `max_tokens`, the longest sequence the run attends.
Status sparse_attention_supported(const ModelConfig& config, int64_t max_tokens);

}  // namespace afbs
