#include "tiny_checkpoint.h"

#include <ATen/ATen.h>

#include <cstring>
#include <fstream>

#include "core/model/model_config.h"

namespace afbs::test {

nlohmann::json tiny_config(const TinySpec& spec) {
  nlohmann::json config = {{"architectures", {spec.architecture}},
                           {"hidden_size", spec.hidden},
                           {"intermediate_size", spec.intermediate},
                           {"num_hidden_layers", spec.layers},
                           {"num_attention_heads", spec.heads},
                           {"num_key_value_heads", spec.kv_heads},
                           {"vocab_size", spec.vocab},
                           {"max_position_embeddings", spec.context},
                           {"rms_norm_eps", 1e-5},
                           {"rope_theta", 10000.0},
                           {"tie_word_embeddings", spec.tied},
                           {"attention_bias", spec.attention_bias},
                           {"torch_dtype", "float32"},
                           {"bos_token_id", 1},
                           {"eos_token_id", 2},
                           {"hidden_act", "silu"}};
  if (!spec.rope_scaling.is_null()) config["rope_scaling"] = spec.rope_scaling;
  config.update(spec.extra);
  return config;
}

std::map<std::string, at::Tensor> tiny_weights(const TinySpec& spec, uint64_t seed) {
  auto config = parse_model_config(tiny_config(spec).dump(), "config.json");
  at::manual_seed(seed);
  std::map<std::string, at::Tensor> weights;
  for (const auto& expected : expected_tensors(config.value())) {
    const bool norm = expected.name.find("norm") != std::string::npos;
    weights[expected.name] =
        norm ? 1.0 + 0.1 * at::randn(expected.shape) : 0.2 * at::randn(expected.shape);
  }
  return weights;
}

SafetensorsTensorData to_safetensors(const std::string& name, const at::Tensor& tensor,
                                     SafetensorsDType dtype) {
  at::ScalarType type = dtype == SafetensorsDType::BF16  ? at::kBFloat16
                        : dtype == SafetensorsDType::F16 ? at::kHalf
                                                         : at::kFloat;
  at::Tensor converted = tensor.to(type).contiguous();
  SafetensorsTensorData data{name, dtype, converted.sizes().vec(), {}};
  data.bytes.resize(converted.nbytes());
  std::memcpy(data.bytes.data(), converted.data_ptr(), converted.nbytes());
  return data;
}

void write_tiny_model(const std::filesystem::path& dir, const nlohmann::json& config,
                      const std::map<std::string, at::Tensor>& weights, SafetensorsDType dtype,
                      int shards) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "config.json") << config.dump(2);
  std::vector<std::vector<SafetensorsTensorData>> files(static_cast<size_t>(shards));
  nlohmann::json weight_map = nlohmann::json::object();
  size_t i = 0;
  for (const auto& [name, tensor] : weights) {
    const size_t shard = i++ % files.size();
    files[shard].push_back(to_safetensors(name, tensor, dtype));
    weight_map[name] = "model-0000" + std::to_string(shard + 1) + "-of-0000" +
                       std::to_string(shards) + ".safetensors";
  }
  if (shards == 1) {
    (void)write_safetensors(dir / "model.safetensors", files[0]);
    return;
  }
  for (size_t s = 0; s < files.size(); ++s) {
    (void)write_safetensors(dir / ("model-0000" + std::to_string(s + 1) + "-of-0000" +
                                   std::to_string(shards) + ".safetensors"),
                            files[s]);
  }
  std::ofstream(dir / "model.safetensors.index.json")
      << nlohmann::json{{"metadata", nlohmann::json::object()}, {"weight_map", weight_map}}.dump(2);
}

void write_raw_safetensors(const std::filesystem::path& path, const std::string& header,
                           size_t data_bytes, uint64_t declared_header_bytes) {
  const uint64_t length = declared_header_bytes ? declared_header_bytes : header.size();
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < 8; ++i)
    out.put(static_cast<char>((length >> (8 * i)) & 0xff));
  out << header;
  out << std::string(data_bytes, '\0');
}

}  // namespace afbs::test
