#pragma once

// The native config file (DESIGN.md §8; schema in docs/config-schema.md): JSON with
// "format": "afbs-config", "version": 1. Torch-free.

#include <filesystem>
#include <string>

#include "core/attention/sparse_config.h"
#include "core/common/result.h"

namespace afbs {

inline constexpr const char* kConfigFormat = "afbs-config";
inline constexpr int kConfigVersion = 1;

// The config as JSON text (2-space indented, keys in schema order).
std::string config_to_json(const SparseConfig& config);
// Parses JSON text; errors name `source` and the key at fault. The result is validated
// (layer and head counts agree with the model block, settings in range).
Result<SparseConfig> parse_config(const std::string& json_text, const std::string& source);

// Writes atomically: `path` holds the old file or the new one, never half of one.
Status write_config(const SparseConfig& config, const std::filesystem::path& path);
Result<SparseConfig> read_config(const std::filesystem::path& path);

}  // namespace afbs
