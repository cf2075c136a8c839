#pragma once

#include <ATen/core/Tensor.h>

namespace afbs {

// The attention seam of the forward pass. The model computes post-RoPE Q, K, V and hands
// them to a LayerAttention, which returns the attention output. Dense attention is the
// default; capture and sparse attention plug in here.
//   q: [B, Hq, L, D]; k, v: [B, Hkv, L, D] (Hq a multiple of Hkv: GQA); causal.
//   returns [B, Hq, L, D] in q's dtype and device.
class LayerAttention {
 public:
  virtual ~LayerAttention() = default;
  virtual at::Tensor attend(int layer, const at::Tensor& q, const at::Tensor& k,
                            const at::Tensor& v) = 0;
};

}  // namespace afbs
