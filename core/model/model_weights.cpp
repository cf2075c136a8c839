#include "core/model/model_weights.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/version.h>

#include <map>

#include "core/model/model.h"
#include "core/model/safetensors_checkpoint.h"

namespace afbs {
namespace {

at::ScalarType scalar_type_of(SafetensorsDType dtype) {
  switch (dtype) {
    case SafetensorsDType::F16:
      return at::kHalf;
    case SafetensorsDType::BF16:
      return at::kBFloat16;
    default:
      return at::kFloat;
  }
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Result<at::Device> parse_device(const std::string& text) {
  try {
    at::Device device(text.empty() ? std::string("cpu") : text);
    if (!device.is_cpu() && !device.is_cuda()) {
      return Error{"--device '" + text + "' is not supported (cpu, cuda, cuda:N)"};
    }
    if (device.is_cuda()) {
      if (!at::hasCUDA()) return Error{"--device " + text + ": libtorch sees no CUDA device"};
      if (device.has_index() && device.index() >= static_cast<int>(at::getNumGPUs())) {
        return Error{"--device " + text + ": no such CUDA device"};
      }
    }
    return device;
  } catch (const std::exception&) {
    return Error{"--device '" + text + "' is not a device (cpu, cuda, cuda:N)"};
  }
}

Result<at::ScalarType> parse_compute_dtype(const std::string& text, const std::string& stored,
                                           const at::Device& device) {
  std::string name = text;
  if (name.empty()) name = device.is_cuda() ? stored : "f32";
  static const std::map<std::string, at::ScalarType> names = {
      {"f32", at::kFloat},     {"fp32", at::kFloat},        {"float32", at::kFloat},
      {"bf16", at::kBFloat16}, {"bfloat16", at::kBFloat16}, {"f16", at::kHalf},
      {"fp16", at::kHalf},     {"float16", at::kHalf}};
  auto it = names.find(name);
  if (it == names.end()) return Error{"--dtype '" + text + "' is not supported (f32, bf16, f16)"};
#if TORCH_VERSION_MAJOR < 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR < 1)
  // libtorch before 2.1 has no float16 matrix product on the CPU.
  if (it->second == at::kHalf && device.is_cpu()) {
    return Error{"--dtype f16 is not supported on the CPU by libtorch " TORCH_VERSION
                 " (use f32 or bf16, or --device cuda)"};
  }
#endif
  return it->second;
}

std::string short_dtype_name(at::ScalarType dtype) {
  switch (dtype) {
    case at::kBFloat16:
      return "bf16";
    case at::kHalf:
      return "f16";
    default:
      return "f32";
  }
}

ModelWeights::ModelWeights(const ModelConfig& config, at::Device device_, at::ScalarType dtype_)
    : device(device_), dtype(dtype_), rope(config) {}

Result<std::unique_ptr<ModelWeights>> ModelWeights::assemble(const ModelConfig& config,
                                                             const ModelOptions& options,
                                                             const TensorSource& source) {
  auto device = parse_device(options.device);
  if (!device) return device.error();
  auto dtype = parse_compute_dtype(options.dtype, config.torch_dtype, *device);
  if (!dtype) return dtype.error();
  auto weights = std::make_unique<ModelWeights>(config, *device, *dtype);
  std::map<std::string, at::Tensor> tensors;
  for (const auto& expected : expected_tensors(config)) {
    auto tensor = source(expected);
    if (!tensor) return tensor.error();
    tensors[expected.name] = std::move(tensor.value());
  }
  auto take = [&](const std::string& name) {
    auto it = tensors.find(name);
    return it == tensors.end() ? at::Tensor() : std::exchange(it->second, at::Tensor());
  };
  auto cat_or_none = [](std::vector<at::Tensor> parts) {
    for (const auto& part : parts) {
      if (!part.defined()) return at::Tensor();
    }
    return at::cat(parts, 0);
  };
  weights->embedding = take("model.embed_tokens.weight");
  weights->final_norm = take("model.norm.weight");
  weights->lm_head = config.tie_word_embeddings ? weights->embedding : take("lm_head.weight");
  for (int64_t i = 0; i < config.num_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    LayerWeights layer;
    layer.input_norm = take(p + "input_layernorm.weight");
    layer.post_attention_norm = take(p + "post_attention_layernorm.weight");
    layer.pre_feedforward_norm = take(p + "pre_feedforward_layernorm.weight");
    layer.post_feedforward_norm = take(p + "post_feedforward_layernorm.weight");
    layer.qkv_weight =
        config.fused_projections
            ? take(p + "self_attn.qkv_proj.weight")
            : at::cat({take(p + "self_attn.q_proj.weight"), take(p + "self_attn.k_proj.weight"),
                       take(p + "self_attn.v_proj.weight")},
                      0);
    layer.qkv_bias =
        cat_or_none({take(p + "self_attn.q_proj.bias"), take(p + "self_attn.k_proj.bias"),
                     take(p + "self_attn.v_proj.bias")});
    layer.q_norm = take(p + "self_attn.q_norm.weight");
    layer.k_norm = take(p + "self_attn.k_norm.weight");
    layer.o_weight = take(p + "self_attn.o_proj.weight");
    layer.o_bias = take(p + "self_attn.o_proj.bias");
    // Phi-3's gate_up_proj holds gate then up: the order the concatenation below gives.
    layer.gate_up_weight =
        config.fused_projections
            ? take(p + "mlp.gate_up_proj.weight")
            : at::cat({take(p + "mlp.gate_proj.weight"), take(p + "mlp.up_proj.weight")}, 0);
    layer.gate_up_bias =
        cat_or_none({take(p + "mlp.gate_proj.bias"), take(p + "mlp.up_proj.bias")});
    layer.down_weight = take(p + "mlp.down_proj.weight");
    layer.down_bias = take(p + "mlp.down_proj.bias");
    weights->layers.push_back(std::move(layer));
  }
  return weights;
}

Result<std::unique_ptr<ModelWeights>> ModelWeights::load(const SafetensorsCheckpoint& checkpoint,
                                                         const ModelConfig& config,
                                                         const ModelOptions& options) {
  auto device = parse_device(options.device);
  if (!device) return device.error();
  auto dtype = parse_compute_dtype(options.dtype, config.torch_dtype, *device);
  if (!dtype) return dtype.error();
  return assemble(config, options, [&](const ExpectedTensor& expected) -> Result<at::Tensor> {
    auto found = checkpoint.find(expected.name);
    if (!found) return found.error();
    const auto& entry = *found->entry;
    // The mapping is read-only: from_blob views it, and the copy below detaches from it.
    at::Tensor view = at::from_blob(const_cast<std::byte*>(found->file->data(entry)), entry.shape,
                                    at::TensorOptions().dtype(scalar_type_of(entry.dtype)));
    at::Tensor tensor = view.to(*device, *dtype, /*non_blocking=*/false, /*copy=*/true);
    if (options.check_nan && !at::isfinite(tensor).all().item<bool>()) {
      return Error{found->file->path().string() + ": tensor '" + expected.name +
                   "' holds NaN or infinite values"};
    }
    return tensor;
  });
}

Result<std::unique_ptr<ModelWeights>> ModelWeights::random(const ModelConfig& config,
                                                           const ModelOptions& options,
                                                           uint64_t seed) {
  auto device = parse_device(options.device);
  if (!device) return device.error();
  auto dtype = parse_compute_dtype(options.dtype, config.torch_dtype, *device);
  if (!dtype) return dtype.error();
  at::manual_seed(seed);
  auto tensor_options = at::TensorOptions().device(*device).dtype(*dtype);
  return assemble(config, options, [&](const ExpectedTensor& expected) -> Result<at::Tensor> {
    if (ends_with(expected.name, "norm.weight")) {
      // Gemma stores norms as offsets from 1.
      const double centre = config.norm_adds_one ? 0.0 : 1.0;
      return centre + 0.1 * at::randn(expected.shape, tensor_options);
    }
    return 0.02 * at::randn(expected.shape, tensor_options);
  });
}

}  // namespace afbs
