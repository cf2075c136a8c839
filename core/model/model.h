#pragma once

// A decoder-only causal language model on a device, computing as transformers does: the
// Llama family (Llama 2/3, TinyLlama, Mistral, Qwen2: RMSNorm, RoPE with rope_scaling, GQA,
// SwiGLU, optional q/k/v bias, tied or untied embeddings) and its variants Qwen3 (q/k norms),
// Phi-3 (fused projections, partial rotary) and Gemma 2 (sandwich norms, soft caps, GeGLU,
// alternating sliding windows). ModelConfig names what each family changes.
//
// API summary (for the tuner and the sparse-attention engine):
//   auto model = Model::load(dir, {.device = "cuda", .dtype = "bf16"});  // Result<unique_ptr>
//   model->config()                      the parsed config.json (heads, head_dim, ...)
//   model->forward(tokens)               logits [B, L, V] (tokens: int64 [B, L] or a vector)
//   model->forward(tokens, &attention)   the same with a LayerAttention at every layer
//   model->hidden_states(tokens, ...)    final-norm hidden states [B, L, hidden]
//   model->embed(tokens), advance(stream) the same forward one layer at a time
//   model->logits(hidden)                lm_head applied to hidden states
//   model->capture(tokens)               post-RoPE Q/K/V of every layer (float32, CPU) and
//                                        the final hidden states of the same forward
//   model->dense_attention()             the exact attention the model uses by default
// Every call returns a Result: bad token ids, sequences longer than the model allows and
// libtorch failures (out of memory) come back as errors, never exceptions.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/model/capture_attention.h"
#include "core/model/dense_attention.h"
#include "core/model/layer_attention.h"
#include "core/model/model_config.h"

namespace afbs {

class ModelWeights;

// The forward pass between layers (streaming capture, DESIGN.md §3): the residual stream of a
// batch of tokens before layer `next_layer`, and the RoPE tables for its length.
struct ResidualStream {
  at::Tensor hidden;  // [B, L, hidden] in the compute dtype, on the model's device
  at::Tensor cos, sin;
  int next_layer = 0;
};

// What Model::capture gives back: each layer's Q/K/V and the final-norm hidden states of the
// same forward (what hidden_states returns), so the tokens can be scored without a second one.
struct ModelCapture {
  std::vector<LayerQkv> layers;  // q [B, Hq, L, D], k/v [B, Hkv, L, D], float32, CPU
  at::Tensor hidden;             // [B, L, hidden] in the compute dtype, on the model's device
};

struct ModelOptions {
  std::string device = "cpu";  // cpu, cuda, cuda:N
  // f32, bf16, f16; empty: f32 on the CPU, the checkpoint's stored dtype on CUDA.
  std::string dtype = "";
  // Upper bound on attention scores held at once by dense attention (elements).
  int64_t max_attention_score_elements = int64_t{1} << 26;
  bool check_nan = true;  // refuse weights holding NaN (names the tensor)
};

class Model {
 public:
  // Reads config.json and the safetensors checkpoint of `model_dir`; every tensor is
  // checked (presence, shape, dtype) before any is built. Errors name the file and tensor.
  static Result<std::unique_ptr<Model>> load(const std::filesystem::path& model_dir,
                                             const ModelOptions& options = {});
  // A model of `config`'s shape with random weights (benchmarks; nothing read from disk).
  static Result<std::unique_ptr<Model>> create_random(const ModelConfig& config,
                                                      const ModelOptions& options,
                                                      uint64_t seed = 0);
  ~Model();

  const ModelConfig& config() const { return config_; }
  const std::filesystem::path& directory() const { return directory_; }
  std::string device_name() const;
  std::string dtype_name() const;  // f32, bf16 or f16: the compute dtype
  int64_t parameter_count() const;

  Result<at::Tensor> hidden_states(const at::Tensor& tokens,
                                   LayerAttention* attention = nullptr) const;
  Result<at::Tensor> forward(const at::Tensor& tokens, LayerAttention* attention = nullptr) const;
  Result<at::Tensor> forward(const std::vector<int32_t>& tokens,
                             LayerAttention* attention = nullptr) const;
  // The same forward one layer at a time: embed() gives the stream before layer 0 (tokens
  // checked as in hidden_states), advance() runs its next layer with `attention` (nullptr:
  // dense); after an error the stream is half-advanced: embed anew. hidden_states is built from
  // these two, so a streamed layer's Q/K/V and residual are bitwise those of a whole forward.
  Result<ResidualStream> embed(const at::Tensor& tokens) const;
  Status advance(ResidualStream& stream, LayerAttention* attention = nullptr) const;
  // The final norm of a stream that has run every layer: what hidden_states returns.
  Result<at::Tensor> final_hidden(const ResidualStream& stream) const;
  // lm_head on hidden states [..., hidden]; logits in the compute dtype.
  at::Tensor logits(const at::Tensor& hidden) const;
  // Q/K/V of every layer for a batch of tokens [B, L], and the final hidden states.
  // `layers` (empty: all) picks which layers' Q/K/V are kept; the others stay undefined.
  Result<ModelCapture> capture(const at::Tensor& tokens, const std::vector<int>& layers = {}) const;

  DenseAttention& dense_attention() const { return *dense_; }
  // Token ids as an int64 tensor [1, L] on the model's device.
  at::Tensor token_tensor(const std::vector<int32_t>& tokens) const;

 private:
  Model(ModelConfig config, std::unique_ptr<ModelWeights> weights, const ModelOptions& options);

  ModelConfig config_;
  std::filesystem::path directory_;
  std::unique_ptr<ModelWeights> weights_;
  std::unique_ptr<DenseAttention> dense_;
};

}  // namespace afbs
