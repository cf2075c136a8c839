#include "core/model/model_config.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <tuple>
#include <type_traits>

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

// What each supported architecture changes in the Llama layer, and its config defaults.
struct Family {
  std::string architecture;
  bool qkv_bias_always = false;  // Qwen2
  bool qk_norm = false;
  bool fused_projections = false;
  bool gemma = false;               // sandwich norms, (1 + w) norms, scaled embeddings, soft caps
  bool window_every_layer = false;  // Mistral, Phi-3 (Qwen: max_window_layers; Gemma: layer_types)
  int64_t default_head_dim = 0;     // 0: hidden_size / num_attention_heads
  bool default_tied = false;
};

const std::vector<Family>& families() {
  static const std::vector<Family> all = {
      {.architecture = "LlamaForCausalLM"},
      {.architecture = "MistralForCausalLM", .window_every_layer = true},
      {.architecture = "Qwen2ForCausalLM", .qkv_bias_always = true},
      {.architecture = "Qwen3ForCausalLM", .qk_norm = true, .default_head_dim = 128},
      {.architecture = "Phi3ForCausalLM", .fused_projections = true, .window_every_layer = true},
      {.architecture = "Gemma2ForCausalLM",
       .gemma = true,
       .default_head_dim = 256,
       .default_tied = true},
  };
  return all;
}

std::string architecture_list() {
  std::string list;
  for (const auto& name : supported_architectures()) {
    list += (list.empty() ? "" : ", ") + name;
  }
  return list;
}

// Reads config[key] as T, `fallback` when absent or null; a wrong type is an error.
template <class T>
Result<T> read_key(const json& config, const std::string& key, T fallback,
                   const std::string& source) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return fallback;
  try {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      // A float where an integer belongs: only a whole number in range converts (nlohmann's
      // cast of 5e98 to an integer is undefined behaviour; the fuzzer found it).
      if (it->is_number_float()) {
        const double value = it->get<double>();
        if (!std::isfinite(value) || value != std::floor(value) || std::fabs(value) > 9.0e15)
          throw std::domain_error("not a whole number in range");
        return static_cast<T>(value);
      }
    }
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
    // Per layer type (transformers 5 for models with layer_types): one RoPE for all, or refused.
    auto full = it->find("full_attention"), sliding = it->find("sliding_attention");
    if (full != it->end() && full->is_object()) {
      if (sliding != it->end() && *sliding != *full) {
        return Error{source +
                     ": rope_parameters differ between full_attention and "
                     "sliding_attention layers (not supported)"};
      }
      scaling = &*full;
    }
    if (auto theta = scaling->find("rope_theta"); theta != scaling->end() && theta->is_number()) {
      out.rope_theta = theta->get<double>();
    }
    if (auto partial = scaling->find("partial_rotary_factor");
        partial != scaling->end() && partial->is_number()) {
      out.partial_rotary_factor = partial->get<double>();
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

// Which layers slide, and by how much: `layer_types` when config.json lists them
// (transformers >= 4.53 writes it), else the family's rule as transformers applies it.
Status read_layer_windows(const json& config, const Family& family, const std::string& source,
                          ModelConfig& out) {
  // Mistral without the key means transformers' default 4096; an explicit null means none.
  const bool absent = !config.contains("sliding_window");
  const bool mistral = family.architecture == "MistralForCausalLM";
  auto window = read_key<int64_t>(config, "sliding_window",
                                  (mistral || family.gemma) && absent ? 4096 : 0, source);
  auto use_window = read_key<bool>(config, "use_sliding_window", false, source);
  auto max_window_layers = read_key<int64_t>(config, "max_window_layers", 28, source);
  if (!window) return window.error();
  if (!use_window) return use_window.error();
  if (!max_window_layers) return max_window_layers.error();
  const bool qwen = family.architecture.rfind("Qwen", 0) == 0;
  out.sliding_window = qwen && !*use_window ? 0 : std::max<int64_t>(*window, 0);
  out.layer_windows.assign(static_cast<size_t>(out.num_layers), 0);
  if (out.sliding_window == 0) return {};
  auto types = config.find("layer_types");
  if (types != config.end() && types->is_array()) {
    if (static_cast<int64_t>(types->size()) != out.num_layers) {
      return Error{source + ": layer_types lists " + std::to_string(types->size()) +
                   " layers, num_hidden_layers is " + std::to_string(out.num_layers)};
    }
    for (size_t i = 0; i < types->size(); ++i) {
      const json& type = (*types)[i];
      if (!type.is_string() || (type != "sliding_attention" && type != "full_attention")) {
        return Error{source + ": layer_types[" + std::to_string(i) + "] is " + type.dump() +
                     " (sliding_attention or full_attention)"};
      }
      if (type == "sliding_attention") out.layer_windows[i] = out.sliding_window;
    }
    return {};
  }
  for (int64_t i = 0; i < out.num_layers; ++i) {
    const bool slides = family.window_every_layer || (qwen && i >= *max_window_layers) ||
                        (family.gemma && i % 2 == 0);
    if (slides) out.layer_windows[static_cast<size_t>(i)] = out.sliding_window;
  }
  return {};
}

// The Gemma 2 settings: scaling of scores, soft caps and the MLP's activation key.
Status read_gemma(const json& config, const std::string& source, ModelConfig& out) {
  auto scalar = read_key<double>(config, "query_pre_attn_scalar", 256.0, source);
  // transformers' Gemma2Config defaults when absent; null turns a cap off.
  auto cap = [&](const char* key, double fallback) {
    auto it = config.find(key);
    return read_key<double>(config, key, it != config.end() && it->is_null() ? 0.0 : fallback,
                            source);
  };
  auto attn_cap = cap("attn_logit_softcapping", 50.0);
  auto final_cap = cap("final_logit_softcapping", 30.0);
  auto act = read_key<std::string>(config, "hidden_activation", "gelu_pytorch_tanh", source);
  for (const Error* error :
       {scalar.ok() ? nullptr : &scalar.error(), attn_cap.ok() ? nullptr : &attn_cap.error(),
        final_cap.ok() ? nullptr : &final_cap.error(), act.ok() ? nullptr : &act.error()}) {
    if (error) return *error;
  }
  if (*scalar <= 0) return Error{source + ": query_pre_attn_scalar must be positive"};
  if (*attn_cap < 0 || *final_cap < 0) {
    return Error{source + ": attn_logit_softcapping and final_logit_softcapping must be >= 0"};
  }
  out.sandwich_norms = out.norm_adds_one = out.scale_embeddings = true;
  out.query_pre_attn_scalar = *scalar;
  out.attn_logit_softcapping = *attn_cap;
  out.final_logit_softcapping = *final_cap;
  out.hidden_act = *act;
  return {};
}

Result<ModelConfig> parse_checked(const json& config, const std::string& source) {
  if (!config.is_object()) return Error{source + ": not a JSON object"};
  ModelConfig out;
  auto architectures = config.find("architectures");
  if (architectures == config.end() || !architectures->is_array() || architectures->empty() ||
      !(*architectures)[0].is_string()) {
    return Error{source + ": no 'architectures' entry naming the model class (supported: " +
                 architecture_list() + ")"};
  }
  out.architecture = (*architectures)[0].get<std::string>();
  auto family_it = std::find_if(families().begin(), families().end(), [&](const Family& f) {
    return f.architecture == out.architecture;
  });
  if (family_it == families().end()) {
    return Error{source + ": architecture '" + out.architecture + "' is not supported (" +
                 architecture_list() + ")"};
  }
  const Family& family = *family_it;

  for (auto [key, field] : {std::pair{"hidden_size", &out.hidden_size},
                            {"intermediate_size", &out.intermediate_size},
                            {"num_hidden_layers", &out.num_layers},
                            {"num_attention_heads", &out.num_heads},
                            {"vocab_size", &out.vocab_size}}) {
    auto value = read_required_int(config, key, source);
    if (!value) return value.error();
    *field = *value;
  }
  const int64_t default_head_dim =
      family.default_head_dim > 0 ? family.default_head_dim : out.hidden_size / out.num_heads;
  auto kv_heads = read_key<int64_t>(config, "num_key_value_heads", out.num_heads, source);
  auto head_dim = read_key<int64_t>(config, "head_dim", default_head_dim, source);
  auto context = read_key<int64_t>(config, "max_position_embeddings", 2048, source);
  auto eps = read_key<double>(config, "rms_norm_eps", 1e-6, source);
  auto tie = read_key<bool>(config, "tie_word_embeddings", family.default_tied, source);
  auto attention_bias = read_key<bool>(config, "attention_bias", false, source);
  auto mlp_bias = read_key<bool>(config, "mlp_bias", false, source);
  auto act = read_key<std::string>(config, "hidden_act", "silu", source);
  auto dtype = read_key<std::string>(config, "torch_dtype", "", source);
  auto dtype5 = read_key<std::string>(config, "dtype", "float32", source);  // transformers 5
  auto rotary = read_key<double>(config, "partial_rotary_factor", 1.0, source);
  for (const Error* error :
       {kv_heads.ok() ? nullptr : &kv_heads.error(), head_dim.ok() ? nullptr : &head_dim.error(),
        context.ok() ? nullptr : &context.error(), eps.ok() ? nullptr : &eps.error(),
        tie.ok() ? nullptr : &tie.error(), attention_bias.ok() ? nullptr : &attention_bias.error(),
        mlp_bias.ok() ? nullptr : &mlp_bias.error(), act.ok() ? nullptr : &act.error(),
        dtype.ok() ? nullptr : &dtype.error(), dtype5.ok() ? nullptr : &dtype5.error(),
        rotary.ok() ? nullptr : &rotary.error()}) {
    if (error) return *error;
  }
  out.num_kv_heads = *kv_heads;
  out.head_dim = *head_dim;
  out.max_position_embeddings = *context;
  out.rms_norm_eps = *eps;
  out.tie_word_embeddings = *tie;
  // Phi-3 has no biases; Qwen2 always biases q/k/v and never o; the others follow the key.
  const bool biases = !family.fused_projections && *attention_bias;
  out.qkv_bias = family.qkv_bias_always || biases;
  out.o_bias = !family.qkv_bias_always && biases;
  out.mlp_bias = family.architecture == "LlamaForCausalLM" && *mlp_bias;  // Llama alone has it
  out.qk_norm = family.qk_norm;
  out.fused_projections = family.fused_projections;
  out.hidden_act = *act;
  out.partial_rotary_factor = *rotary;
  out.torch_dtype = dtype->empty() ? *dtype5 : *dtype;
  out.bos_token_ids = read_token_ids(config, "bos_token_id");
  out.eos_token_ids = read_token_ids(config, "eos_token_id");
  if (family.gemma) {
    if (auto status = read_gemma(config, source, out); !status) return status.error();
  }

  if (auto status = read_rope(config, source, out); !status) return status.error();
  if (out.hidden_act != "silu" && out.hidden_act != "gelu_pytorch_tanh") {
    return Error{source + ": hidden_act '" + out.hidden_act +
                 "' is not supported (silu, gelu_pytorch_tanh)"};
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
  if (out.partial_rotary_factor <= 0 || out.partial_rotary_factor > 1 || out.rotary_dim() < 2 ||
      out.rotary_dim() % 2 != 0) {
    return Error{source + ": partial_rotary_factor " + std::to_string(out.partial_rotary_factor) +
                 " must give an even number of rotated dimensions in (0, head_dim]"};
  }
  if (out.torch_dtype != "float32" && out.torch_dtype != "float16" &&
      out.torch_dtype != "bfloat16") {
    return Error{source + ": torch_dtype '" + out.torch_dtype +
                 "' is not supported (float32, float16, bfloat16)"};
  }
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
  if (auto status = read_layer_windows(config, family, source, out); !status) {
    return status.error();
  }
  return out;
}

}  // namespace

const std::vector<std::string>& supported_architectures() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& family : families())
      out.push_back(family.architecture);
    return out;
  }();
  return names;
}

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
  const int64_t h = c.hidden_size, inter = c.intermediate_size;
  std::vector<ExpectedTensor> tensors;
  tensors.push_back({"model.embed_tokens.weight", {c.vocab_size, h}});
  for (int64_t i = 0; i < c.num_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    tensors.push_back({p + "input_layernorm.weight", {h}});
    if (c.fused_projections) {
      tensors.push_back({p + "self_attn.qkv_proj.weight", {c.q_size() + 2 * c.kv_size(), h}});
    } else {
      tensors.push_back({p + "self_attn.q_proj.weight", {c.q_size(), h}});
      tensors.push_back({p + "self_attn.k_proj.weight", {c.kv_size(), h}});
      tensors.push_back({p + "self_attn.v_proj.weight", {c.kv_size(), h}});
    }
    if (c.qkv_bias) {
      tensors.push_back({p + "self_attn.q_proj.bias", {c.q_size()}});
      tensors.push_back({p + "self_attn.k_proj.bias", {c.kv_size()}});
      tensors.push_back({p + "self_attn.v_proj.bias", {c.kv_size()}});
    }
    if (c.qk_norm) {
      tensors.push_back({p + "self_attn.q_norm.weight", {c.head_dim}});
      tensors.push_back({p + "self_attn.k_norm.weight", {c.head_dim}});
    }
    tensors.push_back({p + "self_attn.o_proj.weight", {h, c.q_size()}});
    if (c.o_bias) tensors.push_back({p + "self_attn.o_proj.bias", {h}});
    tensors.push_back({p + "post_attention_layernorm.weight", {h}});
    if (c.sandwich_norms) {
      tensors.push_back({p + "pre_feedforward_layernorm.weight", {h}});
      tensors.push_back({p + "post_feedforward_layernorm.weight", {h}});
    }
    if (c.fused_projections) {
      tensors.push_back({p + "mlp.gate_up_proj.weight", {2 * inter, h}});
    } else {
      tensors.push_back({p + "mlp.gate_proj.weight", {inter, h}});
      tensors.push_back({p + "mlp.up_proj.weight", {inter, h}});
    }
    tensors.push_back({p + "mlp.down_proj.weight", {h, inter}});
    if (c.mlp_bias) {
      tensors.push_back({p + "mlp.gate_proj.bias", {inter}});
      tensors.push_back({p + "mlp.up_proj.bias", {inter}});
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
