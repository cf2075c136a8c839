#pragma once

// Rotary position embedding (RoPE) as transformers' Llama computes it: inverse frequencies
// 1 / theta^(2i/D) in float32, rescaled by rope_scaling (linear: / factor; llama3: the
// wavelength-dependent interpolation of transformers' _compute_llama3_parameters), angles
// position × frequency in float32, cos/sin cast to the activations' dtype, and the
// "rotate half" pairing of dimension i with i + R/2, R the rotated dimensions (head_dim, or
// partial_rotary_factor x head_dim with the rest passed through, as Phi-3 does).

#include <ATen/core/Tensor.h>

#include "core/model/model_config.h"

namespace afbs {

class RotaryEmbedding {
 public:
  explicit RotaryEmbedding(const ModelConfig& config);

  // Inverse frequencies [R/2], float32 on the CPU.
  const at::Tensor& inverse_frequencies() const { return inv_freq_; }

  // cos and sin [L, R] for positions 0..length-1, in `like`'s dtype and device.
  std::pair<at::Tensor, at::Tensor> cos_sin(int64_t length, const at::Tensor& like) const;

  // x [B, H, L, D] rotated by cos/sin [L, R] (R <= D).
  static at::Tensor apply(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

 private:
  at::Tensor inv_freq_;
};

}  // namespace afbs
