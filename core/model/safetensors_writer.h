#pragma once

// Writes .safetensors files (tests make random checkpoints with it at test time).
// Torch-free: tensors are given as raw little-endian bytes.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/model/safetensors_file.h"

namespace afbs {

struct SafetensorsTensorData {
  std::string name;
  SafetensorsDType dtype = SafetensorsDType::F32;
  std::vector<int64_t> shape;
  std::vector<std::byte> bytes;  // numel × dtype_size(dtype)
};

// Writes `tensors` in the given order to `path` atomically (a temporary file beside it,
// then rename). Returns an error, leaving `path` untouched, if a tensor's byte count
// disagrees with its shape or the file cannot be written.
Status write_safetensors(const std::filesystem::path& path,
                         const std::vector<SafetensorsTensorData>& tensors,
                         const std::map<std::string, std::string>& metadata = {});

}  // namespace afbs
