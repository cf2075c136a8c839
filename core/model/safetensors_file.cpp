#include "core/model/safetensors_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/common/bounded_json.h"

namespace afbs {
namespace {

using nlohmann::json;

struct DTypeInfo {
  SafetensorsDType dtype;
  const char* name;
  size_t bytes;
};

constexpr DTypeInfo kDTypes[] = {
    {SafetensorsDType::F32, "F32", 4},   {SafetensorsDType::F16, "F16", 2},
    {SafetensorsDType::BF16, "BF16", 2}, {SafetensorsDType::F64, "F64", 8},
    {SafetensorsDType::I64, "I64", 8},   {SafetensorsDType::I32, "I32", 4},
    {SafetensorsDType::I16, "I16", 2},   {SafetensorsDType::I8, "I8", 1},
    {SafetensorsDType::U8, "U8", 1},     {SafetensorsDType::BOOL, "BOOL", 1},
};

// Parses one header entry; the error text is completed by the caller with file and name.
Result<SafetensorsEntry> parse_entry(const std::string& name, const json& value,
                                     uint64_t data_bytes) {
  if (!value.is_object()) return Error{"its header entry is not an object"};
  SafetensorsEntry entry;
  entry.name = name;
  auto dtype = value.find("dtype");
  auto shape = value.find("shape");
  auto offsets = value.find("data_offsets");
  if (dtype == value.end() || !dtype->is_string()) return Error{"no dtype"};
  if (shape == value.end() || !shape->is_array()) return Error{"no shape"};
  if (offsets == value.end() || !offsets->is_array() || offsets->size() != 2 ||
      !(*offsets)[0].is_number_unsigned() || !(*offsets)[1].is_number_unsigned()) {
    return Error{"data_offsets is not a pair of non-negative integers"};
  }
  entry.dtype_text = dtype->get<std::string>();
  entry.dtype = dtype_from_name(entry.dtype_text);
  if (entry.dtype == SafetensorsDType::Other) {
    return Error{"unsupported dtype '" + entry.dtype_text + "'"};
  }
  // Byte size of the shape, refusing sizes that overflow 63 bits.
  uint64_t bytes = dtype_size(entry.dtype);
  for (const auto& dim : *shape) {
    if (!dim.is_number_unsigned()) return Error{"shape " + shape->dump() + " is not valid"};
    uint64_t d = dim.get<uint64_t>();
    if (d != 0 && bytes > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / d) {
      return Error{"shape " + shape->dump() + " is too large"};
    }
    bytes *= d;
    entry.shape.push_back(static_cast<int64_t>(d));
  }
  entry.begin = (*offsets)[0].get<uint64_t>();
  entry.end = (*offsets)[1].get<uint64_t>();
  if (entry.begin > entry.end || entry.end > data_bytes) {
    return Error{"data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                 "] lie outside the " + std::to_string(data_bytes) +
                 " bytes of data (truncated file?)"};
  }
  if (entry.end - entry.begin != bytes) {
    return Error{"shape " + shape->dump() + " of " + entry.dtype_text + " needs " +
                 std::to_string(bytes) + " bytes but data_offsets span " +
                 std::to_string(entry.end - entry.begin)};
  }
  return entry;
}

}  // namespace

size_t dtype_size(SafetensorsDType dtype) {
  for (const auto& info : kDTypes) {
    if (info.dtype == dtype) return info.bytes;
  }
  return 0;
}

std::string dtype_name(SafetensorsDType dtype) {
  for (const auto& info : kDTypes) {
    if (info.dtype == dtype) return info.name;
  }
  return "unknown";
}

SafetensorsDType dtype_from_name(const std::string& name) {
  for (const auto& info : kDTypes) {
    if (name == info.name) return info.dtype;
  }
  return SafetensorsDType::Other;
}

int64_t SafetensorsEntry::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

Result<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  const std::string where = path.string();
  // O_NONBLOCK: a FIFO must not block the open; fstat below refuses it.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Error{where + ": cannot be opened: " + std::strerror(errno)};
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return Error{where + ": not a regular file"};
  }
  const auto file_bytes = static_cast<uint64_t>(info.st_size);
  if (file_bytes < 8) {
    ::close(fd);
    return Error{where + ": too short for a safetensors header (" + std::to_string(file_bytes) +
                 " bytes)"};
  }
  void* mapped = ::mmap(nullptr, file_bytes, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);  // the mapping keeps the file alive
  if (mapped == MAP_FAILED) return Error{where + ": cannot be mapped: " + std::strerror(errno)};

  SafetensorsFile file;
  file.path_ = path;
  file.mapping_ = static_cast<const std::byte*>(mapped);
  file.mapping_bytes_ = file_bytes;

  uint64_t header_bytes = 0;
  for (int i = 7; i >= 0; --i) {
    header_bytes = (header_bytes << 8) | std::to_integer<uint64_t>(file.mapping_[i]);
  }
  if (header_bytes > file_bytes - 8) {
    return Error{where + ": header length " + std::to_string(header_bytes) +
                 " runs past the end of the file (" + std::to_string(file_bytes) + " bytes)"};
  }
  file.data_start_ = 8 + header_bytes;
  const uint64_t data_bytes = file_bytes - file.data_start_;
  const char* header_text = reinterpret_cast<const char*>(file.mapping_ + 8);
  auto parsed = parse_json(std::string_view(header_text, header_bytes), where + ": header");
  if (!parsed) return Error{parsed.error().message + " (not a valid JSON object)"};
  json header = std::move(*parsed);
  if (!header.is_object()) return Error{where + ": header is not a valid JSON object"};

  std::vector<const SafetensorsEntry*> by_offset;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      if (value.is_object()) {
        for (const auto& [key, text] : value.items()) {
          if (text.is_string()) file.metadata_[key] = text.get<std::string>();
        }
      }
      continue;
    }
    auto entry = parse_entry(name, value, data_bytes);
    if (!entry) return Error{where + ": tensor '" + name + "': " + entry.error().message};
    auto [it, inserted] = file.entries_.emplace(name, std::move(entry.value()));
    by_offset.push_back(&it->second);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto* a, const auto* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const auto* previous = by_offset[i - 1];
    const auto* current = by_offset[i];
    if (current->begin < previous->end && current->begin != current->end) {
      return Error{where + ": tensors '" + previous->name + "' and '" + current->name +
                   "' overlap in the data section"};
    }
  }
  return file;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& other) noexcept {
  *this = std::move(other);
}

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& other) noexcept {
  if (this != &other) {
    unmap();
    path_ = std::move(other.path_);
    mapping_ = std::exchange(other.mapping_, nullptr);
    mapping_bytes_ = std::exchange(other.mapping_bytes_, 0);
    data_start_ = other.data_start_;
    entries_ = std::move(other.entries_);
    metadata_ = std::move(other.metadata_);
  }
  return *this;
}

SafetensorsFile::~SafetensorsFile() {
  unmap();
}

void SafetensorsFile::unmap() {
  if (mapping_) ::munmap(const_cast<std::byte*>(mapping_), mapping_bytes_);
  mapping_ = nullptr;
  mapping_bytes_ = 0;
}

const SafetensorsEntry* SafetensorsFile::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

const std::byte* SafetensorsFile::data(const SafetensorsEntry& entry) const {
  return mapping_ + data_start_ + entry.begin;
}

}  // namespace afbs
