#pragma once

// A second, plain implementation of transformers' forward for the families we load (Llama,
// Qwen3, Phi-3, Gemma 2), written from transformers' modeling files and nothing of ours:
// it reads config.json keys itself, uses the checkpoint's tensors by name (fused or not, as
// stored), computes in float64 and attends one query at a time. The model tests compare
// our logits with it.

#include <ATen/core/Tensor.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace afbs::test {

// Logits [L, vocab] (float64) of `tokens` for the checkpoint `weights` of `config`.
at::Tensor reference_logits(const nlohmann::json& config,
                            const std::map<std::string, at::Tensor>& weights,
                            const std::vector<int64_t>& tokens);

}  // namespace afbs::test
