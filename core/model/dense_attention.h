#pragma once

// Exact causal softmax attention, the default of the attention seam (per-layer sliding
// windows and Gemma 2's score soft cap included).
// Scores are formed for a chunk of queries at a time (all heads of the chunk, keys up to
// the chunk's last position only), so memory stays near `max_score_elements` floats
// whatever the length: 16k tokens never materialise 16k × 16k scores for every head.
// With libtorch >= 2.5, at::scaled_dot_product_attention is used instead on CUDA, and on the
// CPU while all heads' L x L scores would fit the budget (its unfused fallback stays bounded).

#include <cstdint>
#include <vector>

#include "core/model/layer_attention.h"

namespace afbs {

class DenseAttention : public LayerAttention {
 public:
  // `sliding_window` > 0: query i sees keys j with i - j < sliding_window (Mistral).
  explicit DenseAttention(int64_t max_score_elements = int64_t{1} << 26, int64_t sliding_window = 0,
                          bool allow_fused_kernel = true);

  // Per layer windows (Gemma 2 and Qwen slide some layers only): layer i uses windows[i],
  // 0 for none; layers past the list use the constructor's window.
  void set_layer_windows(std::vector<int64_t> windows) { layer_windows_ = std::move(windows); }
  // Gemma 2's soft cap: scaled scores s become cap tanh(s / cap) before the mask; 0: none.
  void set_logit_softcap(double cap) { logit_softcap_ = cap; }
  int64_t window_of(int layer) const;
  double logit_softcap() const { return logit_softcap_; }

  at::Tensor attend(int layer, const at::Tensor& q, const at::Tensor& k,
                    const at::Tensor& v) override;

  // The chunked computation alone (the reference the fused kernel and tests compare to),
  // with the constructor's window or with `window`.
  at::Tensor attend_chunked(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) const;
  at::Tensor attend_chunked(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                            int64_t window) const;

  int64_t max_score_elements() const { return max_score_elements_; }

 private:
  int64_t max_score_elements_;
  int64_t sliding_window_;
  bool allow_fused_kernel_;
  std::vector<int64_t> layer_windows_;
  double logit_softcap_ = 0.0;
};

}  // namespace afbs
