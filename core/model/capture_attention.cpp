#include "core/model/capture_attention.h"

#include <ATen/ATen.h>

namespace afbs {

CaptureAttention::CaptureAttention(int num_layers, LayerAttention* inner,
                                   CaptureResidence residence)
    : layers_(static_cast<size_t>(num_layers)),
      inner_(inner ? inner : &dense_),
      residence_(residence) {}

void CaptureAttention::keep_only(const std::vector<int>& layers) {
  kept_.clear();
  if (layers.empty()) return;
  kept_.assign(layers_.size(), false);
  for (int layer : layers) {
    if (layer >= 0 && static_cast<size_t>(layer) < kept_.size())
      kept_[static_cast<size_t>(layer)] = true;
  }
}

at::Tensor CaptureAttention::attend(int layer, const at::Tensor& q, const at::Tensor& k,
                                    const at::Tensor& v) {
  const bool kept = kept_.empty() || (layer >= 0 && static_cast<size_t>(layer) < kept_.size() &&
                                      kept_[static_cast<size_t>(layer)]);
  if (kept && layer >= 0 && static_cast<size_t>(layer) < layers_.size()) {
    const bool on_host = residence_ == CaptureResidence::host_f32;
    auto keep = [on_host](const at::Tensor& t) {
      return on_host
                 ? t.to(at::kCPU, at::kFloat, /*non_blocking=*/false, /*copy=*/true).contiguous()
                 : t.clone(at::MemoryFormat::Contiguous);
    };
    layers_[static_cast<size_t>(layer)] = {keep(q), keep(k), keep(v)};
  }
  return inner_->attend(layer, q, k, v);
}

}  // namespace afbs
