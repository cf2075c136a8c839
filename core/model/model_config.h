#pragma once

// The architecture of a decoder-only checkpoint, read from its config.json: the Llama family
// (Llama, Mistral, Qwen2) and the families that vary its layer (Qwen3, Phi-3, Gemma 2).
// Torch-free: the CLI's `info` and the tuner read it without building any tensor.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace afbs {

// rope_scaling of config.json: none, linear (positions / factor) or llama3 (per-frequency
// interpolation between low_freq_factor and high_freq_factor, as transformers computes it).
struct RopeScaling {
  enum class Type { None, Linear, Llama3 };
  Type type = Type::None;
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

struct ModelConfig {
  std::string architecture;  // one of supported_architectures()
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t vocab_size = 0;
  int64_t max_position_embeddings = 0;
  int64_t sliding_window = 0;  // the window of sliding layers in tokens; 0: none
  // Per layer: its sliding window in tokens, 0 for full causal attention (Mistral and Phi-3:
  // every layer; Qwen2/3: layers from max_window_layers on; Gemma 2: every other layer).
  std::vector<int64_t> layer_windows;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;  // Qwen2 always; Llama/Mistral with attention_bias
  bool o_bias = false;    // Llama/Mistral with attention_bias
  bool mlp_bias = false;  // Llama with mlp_bias
  // How the family's layer differs from Llama's:
  bool qk_norm = false;                 // Qwen3: RMSNorm over each head's q and k before RoPE
  bool fused_projections = false;       // Phi-3: qkv_proj and gate_up_proj tensors
  bool sandwich_norms = false;          // Gemma 2: norms after attention and around the MLP
  bool norm_adds_one = false;           // Gemma: RMSNorm scales by (1 + weight), in float32
  bool scale_embeddings = false;        // Gemma: embeddings times sqrt(hidden_size)
  std::string hidden_act = "silu";      // silu or gelu_pytorch_tanh (the MLP's gate)
  double query_pre_attn_scalar = 0;     // Gemma 2: scores scaled by its -1/2 (0: head_dim's)
  double attn_logit_softcapping = 0;    // Gemma 2: scores become c tanh(scores / c); 0: none
  double final_logit_softcapping = 0;   // Gemma 2: the same on the logits
  double partial_rotary_factor = 1.0;   // Phi-3: RoPE on the first factor x head_dim dims
  std::string torch_dtype = "float32";  // as stored: float32, float16 or bfloat16
  std::vector<int64_t> bos_token_ids;   // empty when the config names none
  std::vector<int64_t> eos_token_ids;

  int64_t q_size() const { return num_heads * head_dim; }
  int64_t kv_size() const { return num_kv_heads * head_dim; }
  int64_t rotary_dim() const {
    return static_cast<int64_t>(static_cast<double>(head_dim) * partial_rotary_factor);
  }
  int64_t window_of(int64_t layer) const {
    return layer >= 0 && layer < static_cast<int64_t>(layer_windows.size())
               ? layer_windows[static_cast<size_t>(layer)]
               : 0;
  }
};

// The architectures config.json may name, in the order the error message lists them.
const std::vector<std::string>& supported_architectures();

// Parses `<model_dir>/config.json`. An unknown architecture, a missing required key or
// an inconsistent value (heads not dividing, unknown rope_scaling type) is an error that
// names config.json and the key.
// config.json is a few kilobytes; one larger than this is not a model's config.
inline constexpr uint64_t kMaxConfigJsonBytes = 16u << 20;

Result<ModelConfig> load_model_config(const std::filesystem::path& model_dir);
// The same from config.json text; `source` names the file in errors.
Result<ModelConfig> parse_model_config(const std::string& json_text, const std::string& source);

// One tensor the config implies: its checkpoint name and shape.
struct ExpectedTensor {
  std::string name;
  std::vector<int64_t> shape;
};

// Every tensor a checkpoint of this config must hold (lm_head.weight only when untied).
std::vector<ExpectedTensor> expected_tensors(const ModelConfig& config);

// Number of parameters (tied embeddings counted once).
int64_t parameter_count(const ModelConfig& config);

}  // namespace afbs
