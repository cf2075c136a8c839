#pragma once

#include <filesystem>

#include "core/attention/sparse_config.h"
#include "core/common/result.h"

namespace afbs {

struct ModelConfig;

// Who a config is for: the folder's name, its shape, and a fingerprint (FNV-1a 64 of
// config.json and every safetensors header) that changes when the checkpoint does.
Result<ModelIdentity> identify_model(const std::filesystem::path& model_dir,
                                     const ModelConfig& config);

}  // namespace afbs
