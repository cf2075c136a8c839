#pragma once

// One .safetensors file, memory-mapped and validated, with no tensor built.
// Layout: u64 little-endian header length N, N bytes of JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the data;
// offsets are relative to the start of the data. Torch-free.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace afbs {

// Element types of the safetensors format. The model reads F32, F16 and BF16; the others
// are only known so that their byte sizes can be checked.
enum class SafetensorsDType { F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL, Other };

// Bytes per element (0 for Other); the format's name of a dtype ("BF16"); parse from name.
size_t dtype_size(SafetensorsDType dtype);
std::string dtype_name(SafetensorsDType dtype);
SafetensorsDType dtype_from_name(const std::string& name);

struct SafetensorsEntry {
  std::string name;
  SafetensorsDType dtype = SafetensorsDType::Other;
  std::string dtype_text;  // as written in the header
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets within the data section
  uint64_t end = 0;
  int64_t numel() const;
};

class SafetensorsFile {
 public:
  // Maps `path` and checks the header before returning: the header length lies within the
  // file, the header is a JSON object, each tensor has a known dtype, a shape of
  // non-negative sizes whose byte size equals its offsets' span, offsets inside the data
  // section, and no two tensors overlap. Errors name the file and the tensor.
  static Result<SafetensorsFile> open(const std::filesystem::path& path);

  SafetensorsFile(SafetensorsFile&& other) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&& other) noexcept;
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;
  ~SafetensorsFile();

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }
  const SafetensorsEntry* find(const std::string& name) const;
  // Start of a tensor's bytes in the mapping (valid while this object lives).
  const std::byte* data(const SafetensorsEntry& entry) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  SafetensorsFile() = default;
  void unmap();

  std::filesystem::path path_;
  const std::byte* mapping_ = nullptr;
  size_t mapping_bytes_ = 0;
  size_t data_start_ = 0;
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace afbs
