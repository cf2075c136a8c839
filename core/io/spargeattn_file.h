#pragma once

// SpargeAttn's tuned-parameter file (DESIGN.md §8): what SpargeAttn's
// extract_sparse_attention_state_dict saves with torch.save and its
// load_sparse_attention_state_dict reads back. A zip-format torch.save archive holding a
// dict of tensors, per layer i and module M = model.layers.<i>.self_attn.inner_attention:
//   M.is_sparse [H] bool, M.cdfthreshd [H] f32 (τ), M.simthreshd1 [H] f32 (θ),
//   M.simthreshd2 [H] f32 (zeros), M.pvthreshd [H] f32 (λ).
// Dense heads are written as SpargeAttn writes them: is_sparse false, τ = 1, θ = 1.
// Torch-free header.

#include <filesystem>
#include <string>

#include "core/attention/sparse_config.h"
#include "core/common/result.h"

namespace afbs {

// The module name of layer `layer` for Llama-family models.
std::string spargeattn_module(int64_t layer);

// Writes `config` atomically. Only the cumulative rule (SpargeAttn's own) can be written:
// a top-k or sliding-window config is refused with a message saying so.
Status write_spargeattn(const SparseConfig& config, const std::filesystem::path& path);

// Reads a SpargeAttn file for `model`: every layer's five tensors present with shape [H];
// errors name the file and the key at fault. Measured sparsity/error are not in the file.
// Modules named otherwise than Llama's (a file SpargeAttn saved for another model family) are
// taken in the order of the layer index in their names, one per layer.
Result<SparseConfig> read_spargeattn(const std::filesystem::path& path, const ModelIdentity& model);

}  // namespace afbs
