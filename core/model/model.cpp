#include "core/model/model.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <c10/util/Exception.h>

#include <cmath>

#include "core/model/model_weights.h"
#include "core/model/safetensors_checkpoint.h"
#include "core/model/torch_errors.h"

namespace afbs {
namespace {

// transformers' LlamaRMSNorm: normalise in float32, scale in the activations' dtype.
// Gemma's (adds_one): scale by 1 + weight in float32, then cast.
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps,
                    bool adds_one = false) {
  at::Tensor x32 = x.to(at::kFloat);
  at::Tensor normed = x32 * at::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + eps);
  if (adds_one) return (normed * (1.0 + weight.to(at::kFloat))).to(x.scalar_type());
  return weight * normed.to(x.scalar_type());
}

// c tanh(x / c): Gemma 2's soft cap.
at::Tensor soft_cap(const at::Tensor& x, double cap) {
  return at::tanh(x / cap) * cap;
}

at::Tensor activation(const at::Tensor& x, const std::string& name) {
  return name == "gelu_pytorch_tanh" ? at::gelu(x, "tanh") : at::silu(x);
}

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  return bias.defined() ? at::linear(x, weight, bias) : at::linear(x, weight);
}

}  // namespace

Model::Model(ModelConfig config, std::unique_ptr<ModelWeights> weights, const ModelOptions& options)
    : config_(std::move(config)),
      weights_(std::move(weights)),
      dense_(std::make_unique<DenseAttention>(options.max_attention_score_elements)) {
  dense_->set_layer_windows(config_.layer_windows);
  dense_->set_logit_softcap(config_.attn_logit_softcapping);
}

Model::~Model() = default;

Result<std::unique_ptr<Model>> Model::load(const std::filesystem::path& model_dir,
                                           const ModelOptions& options) {
  auto config = load_model_config(model_dir);
  if (!config) return config.error();
  auto checkpoint = SafetensorsCheckpoint::open(model_dir);
  if (!checkpoint) return checkpoint.error();
  if (auto valid = checkpoint->validate(*config); !valid) return valid.error();
  try {
    c10::NoGradGuard no_grad;
    auto weights = ModelWeights::load(*checkpoint, *config, options);
    if (!weights) return weights.error();
    std::unique_ptr<Model> model(new Model(*config, std::move(weights.value()), options));
    model->directory_ = model_dir;
    return model;
  } catch (const std::exception& error) {
    return torch_error("loading " + model_dir.string(), error);
  }
}

Result<std::unique_ptr<Model>> Model::create_random(const ModelConfig& config,
                                                    const ModelOptions& options, uint64_t seed) {
  try {
    c10::NoGradGuard no_grad;
    auto weights = ModelWeights::random(config, options, seed);
    if (!weights) return weights.error();
    return std::unique_ptr<Model>(new Model(config, std::move(weights.value()), options));
  } catch (const std::exception& error) {
    return torch_error("creating a random " + config.architecture, error);
  }
}

std::string Model::device_name() const {
  return weights_->device.str();
}

std::string Model::dtype_name() const {
  return short_dtype_name(weights_->dtype);
}

int64_t Model::parameter_count() const {
  return afbs::parameter_count(config_);
}

at::Tensor Model::token_tensor(const std::vector<int32_t>& tokens) const {
  return at::tensor(at::ArrayRef<int32_t>(tokens), at::kInt)
      .to(weights_->device, at::kLong)
      .unsqueeze(0);
}

Result<ResidualStream> Model::embed(const at::Tensor& tokens) const {
  if (!tokens.defined() || tokens.dim() != 2 || tokens.size(1) == 0 ||
      !at::isIntegralType(tokens.scalar_type(), /*includeBool=*/false)) {
    return Error{"forward: tokens must be a non-empty integer tensor [batch, length]"};
  }
  const int64_t batch = tokens.size(0), length = tokens.size(1);
  if (length > config_.max_position_embeddings) {
    return Error{"forward: " + std::to_string(length) + " tokens exceed the model's context of " +
                 std::to_string(config_.max_position_embeddings) +
                 " (max_position_embeddings in config.json)"};
  }
  try {
    c10::NoGradGuard no_grad;
    const ModelWeights& w = *weights_;
    at::Tensor ids = tokens.to(w.device, at::kLong);
    const int64_t lowest = ids.min().item<int64_t>(), highest = ids.max().item<int64_t>();
    if (lowest < 0 || highest >= config_.vocab_size) {
      return Error{"forward: token id " + std::to_string(lowest < 0 ? lowest : highest) +
                   " is outside the vocabulary of " + std::to_string(config_.vocab_size)};
    }
    ResidualStream stream;
    at::Tensor h = at::embedding(w.embedding, ids);
    if (config_.scale_embeddings) {
      // Gemma: the normaliser sqrt(hidden) rounded to the activations' dtype first.
      h = h * at::scalar_tensor(std::sqrt(static_cast<double>(config_.hidden_size)),
                                h.options().device(at::kCPU));
    }
    auto [cos, sin] = w.rope.cos_sin(length, h);
    stream.hidden = h;
    stream.cos = cos;
    stream.sin = sin;
    stream.next_layer = 0;
    return stream;
  } catch (const std::exception& error) {
    return torch_error(
        "forward of " + std::to_string(batch) + " x " + std::to_string(length) + " tokens", error);
  }
}

Status Model::advance(ResidualStream& stream, LayerAttention* attention) const {
  const ModelWeights& w = *weights_;
  if (!stream.hidden.defined() || stream.next_layer < 0 ||
      static_cast<size_t>(stream.next_layer) >= w.layers.size()) {
    return Error{"forward: no layer " + std::to_string(stream.next_layer) + " to advance to (the " +
                 "model has " + std::to_string(w.layers.size()) + ")"};
  }
  const int64_t batch = stream.hidden.size(0), length = stream.hidden.size(1);
  try {
    throw_if_memory_fault(MemoryFaultSite::LayerForward, stream.next_layer, length);
    c10::NoGradGuard no_grad;
    const int64_t heads = config_.num_heads, kv_heads = config_.num_kv_heads;
    const int64_t dim = config_.head_dim, q_size = config_.q_size(), kv_size = config_.kv_size();
    const int64_t inter = config_.intermediate_size;
    const double eps = config_.rms_norm_eps;
    const bool adds_one = config_.norm_adds_one;
    auto norm = [&](const at::Tensor& x, const at::Tensor& weight) {
      return rms_norm(x, weight, eps, adds_one);
    };
    // Gemma 2 scales scores by query_pre_attn_scalar^-1/2; folded into q, so every attention
    // (dense, capture, sparse) keeps its 1/sqrt(head_dim) and sees the same scores.
    const double q_scale = config_.query_pre_attn_scalar > 0
                               ? std::sqrt(static_cast<double>(dim) / config_.query_pre_attn_scalar)
                               : 1.0;
    LayerAttention* attend = attention ? attention : dense_.get();
    const int i = stream.next_layer;
    const at::Tensor& h = stream.hidden;
    const at::Tensor &cos = stream.cos, &sin = stream.sin;

    const LayerWeights& layer = w.layers[static_cast<size_t>(i)];
    at::Tensor qkv = linear(norm(h, layer.input_norm), layer.qkv_weight, layer.qkv_bias);
    auto heads_of = [&](int64_t offset, int64_t size, int64_t count) {
      return qkv.narrow(-1, offset, size).view({batch, length, count, dim}).transpose(1, 2);
    };
    at::Tensor q = heads_of(0, q_size, heads), k = heads_of(q_size, kv_size, kv_heads);
    if (config_.qk_norm) {  // Qwen3: per head, over head_dim, before RoPE
      q = norm(q, layer.q_norm);
      k = norm(k, layer.k_norm);
    }
    q = RotaryEmbedding::apply(q, cos, sin);
    if (q_scale != 1.0) q = q * q_scale;
    q = q.contiguous();
    k = RotaryEmbedding::apply(k, cos, sin).contiguous();
    at::Tensor v = heads_of(q_size + kv_size, kv_size, kv_heads).contiguous();
    at::Tensor context = attend->attend(i, q, k, v);
    context = context.transpose(1, 2).reshape({batch, length, q_size});
    at::Tensor attended = linear(context, layer.o_weight, layer.o_bias);
    if (config_.sandwich_norms) attended = norm(attended, layer.post_attention_norm);
    stream.hidden = h + attended;  // h is stream.hidden: the old residual goes here
    const at::Tensor& mlp_norm =
        config_.sandwich_norms ? layer.pre_feedforward_norm : layer.post_attention_norm;
    at::Tensor gate_up =
        linear(norm(stream.hidden, mlp_norm), layer.gate_up_weight, layer.gate_up_bias);
    at::Tensor mixed = activation(gate_up.narrow(-1, 0, inter), config_.hidden_act) *
                       gate_up.narrow(-1, inter, inter);
    at::Tensor mlp = linear(mixed, layer.down_weight, layer.down_bias);
    if (config_.sandwich_norms) mlp = norm(mlp, layer.post_feedforward_norm);
    stream.hidden = stream.hidden + mlp;
    ++stream.next_layer;
    return {};
  } catch (const std::exception& error) {
    return torch_error("forward of " + std::to_string(batch) + " x " + std::to_string(length) +
                           " tokens, layer " + std::to_string(stream.next_layer),
                       error);
  }
}

Result<at::Tensor> Model::hidden_states(const at::Tensor& tokens, LayerAttention* attention) const {
  auto stream = embed(tokens);
  if (!stream) return stream.error();
  while (static_cast<size_t>(stream->next_layer) < weights_->layers.size()) {
    if (Status advanced = advance(*stream, attention); !advanced) return advanced.error();
  }
  return final_hidden(*stream);
}

Result<at::Tensor> Model::final_hidden(const ResidualStream& stream) const {
  if (static_cast<size_t>(stream.next_layer) != weights_->layers.size()) {
    return Error{"forward: final norm of a stream at layer " + std::to_string(stream.next_layer) +
                 " of " + std::to_string(weights_->layers.size())};
  }
  try {
    c10::NoGradGuard no_grad;
    return rms_norm(stream.hidden, weights_->final_norm, config_.rms_norm_eps,
                    config_.norm_adds_one);
  } catch (const std::exception& error) {
    return torch_error("forward: final norm", error);
  }
}

at::Tensor Model::logits(const at::Tensor& hidden) const {
  c10::NoGradGuard no_grad;
  at::Tensor logits = at::linear(hidden, weights_->lm_head);
  const double cap = config_.final_logit_softcapping;
  return cap > 0 ? soft_cap(logits, cap) : logits;
}

Result<at::Tensor> Model::forward(const at::Tensor& tokens, LayerAttention* attention) const {
  auto hidden = hidden_states(tokens, attention);
  if (!hidden) return hidden.error();
  try {
    return logits(*hidden);
  } catch (const std::exception& error) {
    return torch_error("forward: lm_head", error);
  }
}

Result<at::Tensor> Model::forward(const std::vector<int32_t>& tokens,
                                  LayerAttention* attention) const {
  if (tokens.empty()) return Error{"forward: no tokens"};
  try {
    return forward(token_tensor(tokens), attention);
  } catch (const std::exception& error) {
    return torch_error("forward", error);
  }
}

Result<ModelCapture> Model::capture(const at::Tensor& tokens,
                                    const std::vector<int>& layers) const {
  CaptureAttention capture(static_cast<int>(config_.num_layers), dense_.get());
  capture.keep_only(layers);
  auto hidden = hidden_states(tokens, &capture);
  if (!hidden) return hidden.error();
  return ModelCapture{capture.take(), std::move(*hidden)};
}

}  // namespace afbs
