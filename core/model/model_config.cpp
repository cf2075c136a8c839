#include "core/model/model_config.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "core/common/atomic_file.h"
#include "core/common/bounded_json.h"

namespace afbs {
namespace {

using nlohmann::json;

// Upper bounds on what config.json may declare (the largest Llama-family models are well
// inside them): a file that says 10^12 layers must not make us allocate for them.
constexpr int64_t kMaxLayers = 1024;
constexpr int64_t kMaxHeads = 1024;
constexpr int64_t kMaxWidth = int64_t{1} << 20;
constexpr int64_t kMaxHeadDim = 1024;
constexpr int64_t kMaxVocabulary = int64_t{1} << 23;
constexpr int64_t kMaxPositions = int64_t{1} << 24;

const std::set<std::string> kArchitectures = {"LlamaForCausalLM", "MistralForCausalLM",
                                              "Qwen2ForCausalLM"};

// Reads config[key] as T, `fallback` when absent or null; a wrong type is an error.
template <class T>
Result<T> read_key(const json& config, const std::string& key, T fallback,
                   const std::string& source) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const std::exception&) {
    // Replace bytes that are not UTF-8: dump() would throw on them.
    const std::string text = it->dump(-1, ' ', false, json::error_handler_t::replace);
    return Error{source + ": key '" + key + "' has the wrong type (" + text.substr(0, 80) + ")"};
  }
}

Result<int64_t> read_required_int(const json& config, const std::string& key,
                                  const std::string& source) {
  auto it = config.find(key);
  if (it == config.end() || !it->is_number_integer() || it->get<int64_t>() <= 0) {
    return Error{source + ": key '" + key + "' is missing or not a positive integer"};
  }
  return it->get<int64_t>();
}

std::vector<int64_t> read_token_ids(const json& config, const std::string& key) {
  auto it = config.find(key);
  if (it == config.end()) return {};
  if (it->is_number_integer()) return {it->get<int64_t>()};
  std::vector<int64_t> ids;
  if (it->is_array()) {
    for (const auto& id : *it) {
      if (id.is_number_integer()) ids.push_back(id.get<int64_t>());
    }
  }
  return ids;
}

// rope_theta and rope_scaling, from the keys of transformers 4 (rope_theta, rope_scaling)
// or of transformers 5 (rope_parameters holding both).
Status read_rope(const json& config, const std::string& source, ModelConfig& out) {
  const json* scaling = nullptr;
  if (auto it = config.find("rope_parameters"); it != config.end() && it->is_object()) {
    scaling = &*it;
    if (auto theta = it->find("rope_theta"); theta != it->end() && theta->is_number()) {
      out.rope_theta = theta->get<double>();
    }
  }
  if (auto theta = config.find("rope_theta"); theta != config.end() && theta->is_number()) {
    out.rope_theta = theta->get<double>();
  }
  if (auto it = config.find("rope_scaling"); it != config.end() && it->is_object()) scaling = &*it;
  if (!scaling) return {};
  // rope_type (or type) must be a string: a number once escaped as an uncaught type_error.
  std::string type = "default";
  for (const char* key : {"type", "rope_type"}) {
    if (auto it = scaling->find(key); it != scaling->end() && !it->is_null()) {
      if (!it->is_string()) return Error{source + ": rope_scaling '" + key + "' is not a string"};
      type = it->get<std::string>();
    }
  }
  auto number = [&](const char* key, double fallback) {
    auto it = scaling->find(key);
    return it != scaling->end() && it->is_number() ? it->get<double>() : fallback;
  };
  RopeScaling& rope = out.rope_scaling;
  if (type == "default") {
    rope.type = RopeScaling::Type::None;
  } else if (type == "linear") {
    rope.type = RopeScaling::Type::Linear;
    rope.factor = number("factor", 1.0);
  } else if (type == "llama3") {
    rope.type = RopeScaling::Type::Llama3;
    rope.factor = number("factor", 8.0);
    rope.low_freq_factor = number("low_freq_factor", 1.0);
    rope.high_freq_factor = number("high_freq_factor", 4.0);
    rope.original_max_position_embeddings =
        static_cast<int64_t>(number("original_max_position_embeddings", 8192));
    if (rope.high_freq_factor <= rope.low_freq_factor) {
      return Error{source + ": rope_scaling high_freq_factor must exceed low_freq_factor"};
    }
  } else {
    return Error{source + ": rope_scaling type '" + type +
                 "' is not supported (none, linear, llama3)"};
  }
  for (double value : {rope.factor, rope.low_freq_factor, rope.high_freq_factor}) {
    if (!std::isfinite(value) || value <= 0) {
      return Error{source + ": rope_scaling factors must be positive finite numbers"};
    }
  }
  return {};
}

Result<ModelConfig> parse_checked(const json& config, const std::string& source) {
  if (!config.is_object()) return Error{source + ": not a JSON object"};
  ModelConfig out;
  auto architectures = config.find("architectures");
  if (architectures == config.end() || !architectures->is_array() || architectures->empty() ||
      !(*architectures)[0].is_string()) {
    return Error{source + ": no 'architectures' entry naming the model class"};
  }
  out.architecture = (*architectures)[0].get<std::string>();
  if (!kArchitectures.count(out.architecture)) {
    return Error{source + ": architecture '" + out.architecture +
                 "' is not supported (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)"};
  }
  const bool qwen2 = out.architecture == "Qwen2ForCausalLM";
  const bool mistral = out.architecture == "MistralForCausalLM";

  for (auto [key, field] : {std::pair{"hidden_size", &out.hidden_size},
                            {"intermediate_size", &out.intermediate_size},
                            {"num_hidden_layers", &out.num_layers},
                            {"num_attention_heads", &out.num_heads},
                            {"vocab_size", &out.vocab_size}}) {
    auto value = read_required_int(config, key, source);
    if (!value) return value.error();
    *field = *value;
  }
  auto kv_heads = read_key<int64_t>(config, "num_key_value_heads", out.num_heads, source);
  auto head_dim = read_key<int64_t>(config, "head_dim", out.hidden_size / out.num_heads, source);
  auto context = read_key<int64_t>(config, "max_position_embeddings", 2048, source);
  auto eps = read_key<double>(config, "rms_norm_eps", 1e-6, source);
  auto tie = read_key<bool>(config, "tie_word_embeddings", false, source);
  auto attention_bias = read_key<bool>(config, "attention_bias", false, source);
  auto mlp_bias = read_key<bool>(config, "mlp_bias", false, source);
  auto act = read_key<std::string>(config, "hidden_act", "silu", source);
  auto dtype = read_key<std::string>(config, "torch_dtype", "", source);
  auto dtype5 = read_key<std::string>(config, "dtype", "float32", source);  // transformers 5
  // Mistral without the key means transformers' default 4096; an explicit null means none.
  const bool window_absent = !config.contains("sliding_window");
  auto window =
      read_key<int64_t>(config, "sliding_window", mistral && window_absent ? 4096 : 0, source);
  auto use_window = read_key<bool>(config, "use_sliding_window", false, source);
  for (const Error* error :
       {kv_heads.ok() ? nullptr : &kv_heads.error(), head_dim.ok() ? nullptr : &head_dim.error(),
        context.ok() ? nullptr : &context.error(), eps.ok() ? nullptr : &eps.error(),
        tie.ok() ? nullptr : &tie.error(), attention_bias.ok() ? nullptr : &attention_bias.error(),
        mlp_bias.ok() ? nullptr : &mlp_bias.error(), act.ok() ? nullptr : &act.error(),
        dtype.ok() ? nullptr : &dtype.error(), dtype5.ok() ? nullptr : &dtype5.error(),
        window.ok() ? nullptr : &window.error(), use_window.ok() ? nullptr : &use_window.error()}) {
    if (error) return *error;
  }
  out.num_kv_heads = *kv_heads;
  out.head_dim = *head_dim;
  out.max_position_embeddings = *context;
  out.rms_norm_eps = *eps;
  out.tie_word_embeddings = *tie;
  out.qkv_bias = qwen2 || *attention_bias;
  out.o_bias = !qwen2 && *attention_bias;
  out.mlp_bias = !qwen2 && *mlp_bias;
  out.torch_dtype = dtype->empty() ? *dtype5 : *dtype;
  out.sliding_window = qwen2 ? (*use_window ? *window : 0) : (mistral ? *window : 0);
  out.bos_token_ids = read_token_ids(config, "bos_token_id");
  out.eos_token_ids = read_token_ids(config, "eos_token_id");

  if (*act != "silu") {
    return Error{source + ": hidden_act '" + *act + "' is not supported (silu)"};
  }
  if (out.num_kv_heads <= 0 || out.num_heads % out.num_kv_heads != 0) {
    return Error{source + ": num_attention_heads (" + std::to_string(out.num_heads) +
                 ") is not a multiple of num_key_value_heads (" + std::to_string(out.num_kv_heads) +
                 ")"};
  }
  if (out.head_dim <= 0 || out.head_dim % 2 != 0) {
    return Error{source + ": head_dim (" + std::to_string(out.head_dim) +
                 ") must be positive and even"};
  }
  if (out.torch_dtype != "float32" && out.torch_dtype != "float16" &&
      out.torch_dtype != "bfloat16") {
    return Error{source + ": torch_dtype '" + out.torch_dtype +
                 "' is not supported (float32, float16, bfloat16)"};
  }
  if (auto status = read_rope(config, source, out); !status) return status.error();
  // Non-finite or non-positive values give NaN perplexities that look like results.
  if (!std::isfinite(out.rope_theta) || out.rope_theta <= 0) {
    return Error{source + ": rope_theta must be a positive finite number, got " +
                 std::to_string(out.rope_theta)};
  }
  if (!std::isfinite(out.rms_norm_eps) || out.rms_norm_eps < 0) {
    return Error{source + ": rms_norm_eps must be a finite number >= 0, got " +
                 std::to_string(out.rms_norm_eps)};
  }
  // Counts past any real model's are refused before anything is sized by them.
  for (auto [key, value, limit] :
       {std::tuple{"num_hidden_layers", out.num_layers, kMaxLayers},
        {"num_attention_heads", out.num_heads, kMaxHeads},
        {"hidden_size", out.hidden_size, kMaxWidth},
        {"intermediate_size", out.intermediate_size, kMaxWidth},
        {"head_dim", out.head_dim, kMaxHeadDim},
        {"vocab_size", out.vocab_size, kMaxVocabulary},
        {"max_position_embeddings", out.max_position_embeddings, kMaxPositions}}) {
    if (value > limit) {
      return Error{source + ": " + key + " is " + std::to_string(value) + ", more than the " +
                   std::to_string(limit) + " any supported model has"};
    }
  }
  if (out.max_position_embeddings <= 0) {
    return Error{source + ": max_position_embeddings must be positive"};
  }
  return out;
}

}  // namespace

Result<ModelConfig> parse_model_config(const std::string& json_text, const std::string& source) {
  auto config = parse_json(json_text, source);
  if (!config) return config.error();
  return parse_checked(*config, source);
}

Result<ModelConfig> load_model_config(const std::filesystem::path& model_dir) {
  const auto path = model_dir / "config.json";
  auto text = read_file_bytes(path, kMaxConfigJsonBytes);
  if (!text) return Error{text.error().message + " (is this a model folder?)"};
  return parse_model_config(*text, path.string());
}

std::vector<ExpectedTensor> expected_tensors(const ModelConfig& c) {
  const int64_t h = c.hidden_size;
  std::vector<ExpectedTensor> tensors;
  tensors.push_back({"model.embed_tokens.weight", {c.vocab_size, h}});
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    tensors.push_back({p + "input_layernorm.weight", {h}});
    tensors.push_back({p + "self_attn.q_proj.weight", {c.q_size(), h}});
    tensors.push_back({p + "self_attn.k_proj.weight", {c.kv_size(), h}});
    tensors.push_back({p + "self_attn.v_proj.weight", {c.kv_size(), h}});
    if (c.qkv_bias) {
      tensors.push_back({p + "self_attn.q_proj.bias", {c.q_size()}});
      tensors.push_back({p + "self_attn.k_proj.bias", {c.kv_size()}});
      tensors.push_back({p + "self_attn.v_proj.bias", {c.kv_size()}});
    }
    tensors.push_back({p + "self_attn.o_proj.weight", {h, c.q_size()}});
    if (c.o_bias) tensors.push_back({p + "self_attn.o_proj.bias", {h}});
    tensors.push_back({p + "post_attention_layernorm.weight", {h}});
    tensors.push_back({p + "mlp.gate_proj.weight", {c.intermediate_size, h}});
    tensors.push_back({p + "mlp.up_proj.weight", {c.intermediate_size, h}});
    tensors.push_back({p + "mlp.down_proj.weight", {h, c.intermediate_size}});
    if (c.mlp_bias) {
      tensors.push_back({p + "mlp.gate_proj.bias", {c.intermediate_size}});
      tensors.push_back({p + "mlp.up_proj.bias", {c.intermediate_size}});
      tensors.push_back({p + "mlp.down_proj.bias", {h}});
    }
  }
  tensors.push_back({"model.norm.weight", {h}});
  if (!c.tie_word_embeddings) tensors.push_back({"lm_head.weight", {c.vocab_size, h}});
  return tensors;
}

int64_t parameter_count(const ModelConfig& config) {
  int64_t total = 0;
  for (const auto& tensor : expected_tensors(config)) {
    int64_t n = 1;
    for (int64_t d : tensor.shape)
      n *= d;
    total += n;
  }
  return total;
}

}  // namespace afbs
