#pragma once

// Random-weight checkpoints of real model shapes, for scale tests (BENCHMARKS.md B5): time and
// memory of loading, capture and tuning can be measured without downloading weights; the
// sparsity they reach says nothing about real models. Written one shard per layer, so memory
// stays at one layer's weights whatever the model's size.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace afbs {

struct SyntheticShape {
  std::string name;
  int64_t hidden = 0, intermediate = 0, layers = 0, heads = 0, kv_heads = 0, head_dim = 0;
  int64_t context = 0;  // max_position_embeddings
  double rope_theta = 10000.0;
  int64_t vocab = 4096;  // the demo tokenizer's, so its tokenizer.model serves the checkpoint
};

// llama2-7b, llama3-8b (GQA 8), llama2-13b, and tiny-gqa (for tests).
std::vector<SyntheticShape> synthetic_shapes();
Result<SyntheticShape> synthetic_shape(const std::string& name);

struct SyntheticProgress {
  int64_t shards_done = 0, shards_total = 0;
  int64_t bytes_written = 0;
};

// Writes config.json, model-XXXXX-of-YYYYY.safetensors (embeddings and final norm, then one per
// layer), model.safetensors.index.json and a copy of `tokenizer_model` into `dir` (created).
// Weights are N(0, 0.02²) in bf16, norms 1, drawn on `device` ("cpu", "cuda": faster, other
// values for the same seed). Refuses a `dir` that already holds a config.json.
Status write_synthetic_checkpoint(
    const SyntheticShape& shape, const std::filesystem::path& dir,
    const std::filesystem::path& tokenizer_model, uint64_t seed,
    const std::function<void(const SyntheticProgress&)>& progress = {},
    const std::string& device = "cpu");

}  // namespace afbs
