#pragma once

// The capture mode of the attention seam: records each layer's post-RoPE Q, K and V
// ([B, Hq, L, D] and [B, Hkv, L, D]) and returns what the wrapped attention (dense by default)
// returns, so a captured forward is an ordinary forward. The copies are float32 on the CPU, or
// stay where the forward ran, in its dtype (a CUDA capture then never crosses the bus).

#include <memory>
#include <vector>

#include "core/model/dense_attention.h"

namespace afbs {

struct LayerQkv {
  at::Tensor q, k, v;
};

enum class CaptureResidence { host_f32, where_computed };

class CaptureAttention : public LayerAttention {
 public:
  // `inner` computes the output (nullptr: exact dense attention); not owned.
  explicit CaptureAttention(int num_layers, LayerAttention* inner = nullptr,
                            CaptureResidence residence = CaptureResidence::host_f32);

  at::Tensor attend(int layer, const at::Tensor& q, const at::Tensor& k,
                    const at::Tensor& v) override;

  // Records only these layers (the others' tensors stay undefined); empty: every layer.
  void keep_only(const std::vector<int>& layers);

  // Per layer, what the last forward recorded (undefined tensors for layers not run).
  const std::vector<LayerQkv>& layers() const { return layers_; }
  std::vector<LayerQkv> take() { return std::move(layers_); }

 private:
  std::vector<LayerQkv> layers_;
  std::vector<bool> kept_;  // empty: every layer
  DenseAttention dense_;
  LayerAttention* inner_;
  CaptureResidence residence_;
};

}  // namespace afbs
