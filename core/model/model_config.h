#pragma once

// The architecture of a Llama-family checkpoint, read from its config.json.
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
  std::string architecture;  // LlamaForCausalLM, MistralForCausalLM or Qwen2ForCausalLM
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  int64_t vocab_size = 0;
  int64_t max_position_embeddings = 0;
  int64_t sliding_window = 0;  // 0: none (Mistral v0.1 and Qwen2 with use_sliding_window)
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool tie_word_embeddings = false;
  bool qkv_bias = false;                // Qwen2 always; Llama/Mistral with attention_bias
  bool o_bias = false;                  // Llama/Mistral with attention_bias
  bool mlp_bias = false;                // Llama with mlp_bias
  std::string torch_dtype = "float32";  // as stored: float32, float16 or bfloat16
  std::vector<int64_t> bos_token_ids;   // empty when the config names none
  std::vector<int64_t> eos_token_ids;

  int64_t q_size() const { return num_heads * head_dim; }
  int64_t kv_size() const { return num_kv_heads * head_dim; }
};

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
