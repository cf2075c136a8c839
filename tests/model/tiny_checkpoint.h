#pragma once

// Tiny random Llama-family checkpoints written at test time with our safetensors writer.

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/model/safetensors_writer.h"

namespace afbs::test {

struct TinySpec {
  std::string architecture = "LlamaForCausalLM";
  int64_t hidden = 32;
  int64_t intermediate = 48;
  int64_t layers = 2;
  int64_t heads = 4;
  int64_t kv_heads = 2;
  int64_t vocab = 64;
  int64_t context = 512;
  bool tied = false;
  bool attention_bias = false;
  nlohmann::json rope_scaling;                      // null: none
  nlohmann::json extra = nlohmann::json::object();  // more config.json keys (family settings)
};

nlohmann::json tiny_config(const TinySpec& spec);

// Random float32 weights (seeded) for every tensor the spec's config implies.
std::map<std::string, at::Tensor> tiny_weights(const TinySpec& spec, uint64_t seed);

// Tensor → safetensors bytes in `dtype` (F32, F16 or BF16).
SafetensorsTensorData to_safetensors(const std::string& name, const at::Tensor& tensor,
                                     SafetensorsDType dtype = SafetensorsDType::F32);

// Writes config.json and the weights into `dir` (one file, or `shards` files plus index).
void write_tiny_model(const std::filesystem::path& dir, const nlohmann::json& config,
                      const std::map<std::string, at::Tensor>& weights,
                      SafetensorsDType dtype = SafetensorsDType::F32, int shards = 1);

// A raw .safetensors file: 8-byte length, `header` verbatim, `data_bytes` zero bytes.
void write_raw_safetensors(const std::filesystem::path& path, const std::string& header,
                           size_t data_bytes, uint64_t declared_header_bytes = 0);

}  // namespace afbs::test
