#include "core/model/synthetic_checkpoint.h"

#include <ATen/ATen.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "core/common/atomic_file.h"
#include "core/model/model_config.h"
#include "core/model/model_weights.h"
#include "core/model/safetensors_writer.h"

namespace afbs {
namespace fs = std::filesystem;

std::vector<SyntheticShape> synthetic_shapes() {
  return {
      {"llama2-7b", 4096, 11008, 32, 32, 32, 128, 4096, 10000.0},
      {"llama3-8b", 4096, 14336, 32, 32, 8, 128, 131072, 500000.0},
      {"llama2-13b", 5120, 13824, 40, 40, 40, 128, 4096, 10000.0},
      {"tiny-gqa", 256, 512, 2, 4, 2, 64, 2048, 10000.0},
  };
}

Result<SyntheticShape> synthetic_shape(const std::string& name) {
  std::string known;
  for (const SyntheticShape& shape : synthetic_shapes()) {
    if (shape.name == name) return shape;
    known += (known.empty() ? "" : ", ") + shape.name;
  }
  return Error{"synthetic model: unknown shape '" + name + "' (known: " + known + ")"};
}

namespace {

nlohmann::ordered_json config_json(const SyntheticShape& s) {
  return {{"architectures", {"LlamaForCausalLM"}},
          {"model_type", "llama"},
          {"hidden_size", s.hidden},
          {"intermediate_size", s.intermediate},
          {"num_hidden_layers", s.layers},
          {"num_attention_heads", s.heads},
          {"num_key_value_heads", s.kv_heads},
          {"head_dim", s.head_dim},
          {"vocab_size", s.vocab},
          {"max_position_embeddings", s.context},
          {"rms_norm_eps", 1e-5},
          {"rope_theta", s.rope_theta},
          {"tie_word_embeddings", false},
          {"attention_bias", false},
          {"hidden_act", "silu"},
          {"torch_dtype", "bfloat16"},
          {"bos_token_id", 1},
          {"eos_token_id", 2},
          {"afbs_synthetic", s.name + ": random weights, for time and memory measurements only"}};
}

// The layer a tensor belongs to ("model.layers.N."), or −1 for the others.
int64_t layer_of(const std::string& name) {
  const std::string prefix = "model.layers.";
  if (name.rfind(prefix, 0) != 0) return -1;
  return std::stoll(name.substr(prefix.size()));
}

std::string shard_name(int64_t index, int64_t total) {
  char text[64];
  std::snprintf(text, sizeof text, "model-%05lld-of-%05lld.safetensors",
                static_cast<long long>(index + 1), static_cast<long long>(total));
  return text;
}

}  // namespace

Status write_synthetic_checkpoint(const SyntheticShape& shape, const fs::path& dir,
                                  const fs::path& tokenizer_model, uint64_t seed,
                                  const std::function<void(const SyntheticProgress&)>& progress,
                                  const std::string& device) {
  const std::string where = "synthetic model " + shape.name + " in " + dir.string();
  try {
    if (fs::exists(dir / "config.json")) {
      return Error{where + ": the folder already holds a config.json; name an empty folder"};
    }
    const auto draw_on = parse_device(device);
    if (!draw_on) return with_context(where, draw_on.error());
    if (!fs::is_regular_file(tokenizer_model)) {
      return Error{where + ": tokenizer " + tokenizer_model.string() + " is not a file"};
    }
    const std::string config_text = config_json(shape).dump(2);
    auto config = parse_model_config(config_text, "config.json");
    if (!config) return with_context(where, config.error());
    fs::create_directories(dir);

    // Shard 0: everything outside the layers; shard L + 1: layer L.
    const int64_t shards = shape.layers + 1;
    std::vector<std::vector<ExpectedTensor>> by_shard(static_cast<size_t>(shards));
    for (const ExpectedTensor& t : expected_tensors(*config))
      by_shard[static_cast<size_t>(layer_of(t.name) + 1)].push_back(t);
    at::manual_seed(seed);
    nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
    SyntheticProgress done{0, shards, 0};
    for (int64_t s = 0; s < shards; ++s) {
      std::vector<SafetensorsTensorData> tensors;
      for (const ExpectedTensor& t : by_shard[static_cast<size_t>(s)]) {
        const bool norm = t.name.find("norm") != std::string::npos;
        const auto options = at::TensorOptions().device(*draw_on);
        const at::Tensor values =
            (norm ? at::ones(t.shape, options) : at::randn(t.shape, options).mul_(0.02))
                .to(at::kBFloat16)
                .cpu()
                .contiguous();
        SafetensorsTensorData data{t.name, SafetensorsDType::BF16, t.shape, {}};
        data.bytes.resize(values.nbytes());
        std::memcpy(data.bytes.data(), values.data_ptr(), values.nbytes());
        done.bytes_written += static_cast<int64_t>(values.nbytes());
        tensors.push_back(std::move(data));
        weight_map[t.name] = shard_name(s, shards);
      }
      if (Status written = write_safetensors(dir / shard_name(s, shards), tensors); !written) {
        return with_context(where, written.error());
      }
      ++done.shards_done;
      if (progress) progress(done);
    }
    const nlohmann::ordered_json index = {{"metadata", {{"total_size", done.bytes_written}}},
                                          {"weight_map", weight_map}};
    fs::copy_file(tokenizer_model, dir / "tokenizer.model", fs::copy_options::overwrite_existing);
    // config.json last: a folder holds one only once the checkpoint is whole.
    for (const auto& [name, text] : {std::pair{"model.safetensors.index.json", index.dump(2)},
                                     std::pair{"config.json", config_text}}) {
      if (Status written = write_file_atomically(dir / name, text + "\n"); !written) {
        return with_context(where, written.error());
      }
    }
    return {};
  } catch (const std::exception& error) {
    return Error{where + ": " + error.what()};
  }
}

}  // namespace afbs
