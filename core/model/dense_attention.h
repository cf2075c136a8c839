#pragma once

// Exact causal softmax attention, the default of the attention seam.
// Scores are formed for a chunk of queries at a time (all heads of the chunk, keys up to
// the chunk's last position only), so memory stays near `max_score_elements` floats
// whatever the length: 16k tokens never materialise 16k × 16k scores for every head.
// With libtorch >= 2.5, at::scaled_dot_product_attention is used instead on CUDA, and on the
// CPU while all heads' L x L scores would fit the budget (its unfused fallback stays bounded).

#include <cstdint>

#include "core/model/layer_attention.h"

namespace afbs {

class DenseAttention : public LayerAttention {
 public:
  // `sliding_window` > 0: query i sees keys j with i - j < sliding_window (Mistral).
  explicit DenseAttention(int64_t max_score_elements = int64_t{1} << 26, int64_t sliding_window = 0,
                          bool allow_fused_kernel = true);

  at::Tensor attend(int layer, const at::Tensor& q, const at::Tensor& k,
                    const at::Tensor& v) override;

  // The chunked computation alone (the reference the fused kernel and tests compare to).
  at::Tensor attend_chunked(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) const;

  int64_t max_score_elements() const { return max_score_elements_; }

 private:
  int64_t max_score_elements_;
  int64_t sliding_window_;
  bool allow_fused_kernel_;
};

}  // namespace afbs
