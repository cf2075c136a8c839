#include "core/session/model_identity.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

#include "core/common/atomic_file.h"
#include "core/model/model_config.h"

namespace afbs {
namespace fs = std::filesystem;
namespace {

class Fnv1a64 {
 public:
  void add(const std::string& bytes) {
    for (unsigned char c : bytes)
      hash_ = (hash_ ^ c) * 0x100000001b3ULL;
  }
  std::string hex() const {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash_));
    return text;
  }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// The 8-byte length and the JSON header of a safetensors file (not its data).
Result<std::string> safetensors_header(const fs::path& file) {
  std::error_code ec;
  if (Status regular = check_regular_file(file, UINT64_MAX); !regular) return regular.error();
  const uint64_t file_bytes = fs::file_size(file, ec);
  std::ifstream in(file, std::ios::binary);
  unsigned char size_bytes[8];
  if (!in.read(reinterpret_cast<char*>(size_bytes), 8)) {
    return Error{file.string() + ": too short to be a safetensors file"};
  }
  uint64_t size = 0;
  for (int i = 7; i >= 0; --i)
    size = (size << 8) | size_bytes[i];
  if (size > (uint64_t{1} << 30) || size > file_bytes - 8) {
    return Error{file.string() + ": header length is implausible"};
  }
  std::string header(size, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(size))) {
    return Error{file.string() + ": header runs past the end of the file"};
  }
  return std::string(reinterpret_cast<char*>(size_bytes), 8) + header;
}

}  // namespace

Result<ModelIdentity> identify_model(const fs::path& model_dir, const ModelConfig& config) {
  Fnv1a64 hash;
  auto config_bytes = read_file_bytes(model_dir / "config.json", kMaxConfigJsonBytes);
  if (!config_bytes) return config_bytes.error();
  hash.add(*config_bytes);
  std::vector<fs::path> shards;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(model_dir, ec)) {
    if (entry.path().extension() == ".safetensors") shards.push_back(entry.path());
  }
  std::sort(shards.begin(), shards.end());
  for (const auto& shard : shards) {
    auto header = safetensors_header(shard);
    if (!header) return header.error();
    hash.add(shard.filename().string());
    hash.add(*header);
  }
  ModelIdentity identity;
  identity.name = fs::weakly_canonical(model_dir, ec).filename().string();
  if (identity.name.empty()) identity.name = model_dir.filename().string();
  identity.fingerprint = hash.hex();
  identity.layers = config.num_layers;
  identity.heads = config.num_heads;
  identity.kv_heads = config.num_kv_heads;
  identity.head_dim = config.head_dim;
  return identity;
}

}  // namespace afbs
