#pragma once

// The tensors of a Model on its device, in its compute dtype. q/k/v projections are
// concatenated into one matrix and gate/up into another, so a layer runs three fewer
// matrix products than the checkpoint's layout suggests (same arithmetic per output).

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <functional>
#include <memory>
#include <vector>

#include "core/common/result.h"
#include "core/model/model_config.h"
#include "core/model/rotary_embedding.h"

namespace afbs {

struct ModelOptions;
class SafetensorsCheckpoint;

struct LayerWeights {
  at::Tensor input_norm, post_attention_norm;
  at::Tensor pre_feedforward_norm, post_feedforward_norm;  // Gemma 2 alone
  at::Tensor qkv_weight, qkv_bias;  // [q + 2 kv, hidden]; bias undefined when absent
  at::Tensor q_norm, k_norm;        // [head_dim], Qwen3 alone
  at::Tensor o_weight, o_bias;
  at::Tensor gate_up_weight, gate_up_bias;  // [2 intermediate, hidden]
  at::Tensor down_weight, down_bias;
};

class ModelWeights {
 public:
  // Builds every tensor from a validated checkpoint (NaN weights are an error naming them).
  static Result<std::unique_ptr<ModelWeights>> load(const SafetensorsCheckpoint& checkpoint,
                                                    const ModelConfig& config,
                                                    const ModelOptions& options);
  // Random weights N(0, 0.02²), norms near 1, made directly on the device.
  static Result<std::unique_ptr<ModelWeights>> random(const ModelConfig& config,
                                                      const ModelOptions& options, uint64_t seed);

  ModelWeights(const ModelConfig& config, at::Device device, at::ScalarType dtype);

  at::Device device;
  at::ScalarType dtype;
  at::Tensor embedding, final_norm, lm_head;  // lm_head aliases embedding when tied
  std::vector<LayerWeights> layers;
  RotaryEmbedding rope;

 private:
  using TensorSource = std::function<Result<at::Tensor>(const ExpectedTensor&)>;
  static Result<std::unique_ptr<ModelWeights>> assemble(const ModelConfig& config,
                                                        const ModelOptions& options,
                                                        const TensorSource& source);
};

// "cpu", "cuda", "cuda:1" → a device libtorch can use, or an error naming the setting.
Result<at::Device> parse_device(const std::string& text);
// "f32" / "bf16" / "f16" (or the torch_dtype names); empty: `stored` on CUDA, f32 on CPU.
Result<at::ScalarType> parse_compute_dtype(const std::string& text, const std::string& stored,
                                           const at::Device& device);
std::string short_dtype_name(at::ScalarType dtype);

}  // namespace afbs
