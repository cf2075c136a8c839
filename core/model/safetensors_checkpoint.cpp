#include "core/model/safetensors_checkpoint.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/common/atomic_file.h"
#include "core/common/bounded_json.h"

namespace afbs {
namespace fs = std::filesystem;
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// A shard the index names must be a plain file name in the model folder: no "..", no
// absolute path, no sub-folder. Symlinks are followed on purpose: the Hugging Face cache
// links every file of a snapshot to ../../blobs/, and the shard is only ever read.
bool plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

// The index of the largest checkpoints is a few megabytes.
constexpr uint64_t kMaxIndexBytes = 64u << 20;

}  // namespace

Result<SafetensorsCheckpoint> SafetensorsCheckpoint::open(const fs::path& model_dir) {
  SafetensorsCheckpoint checkpoint;
  checkpoint.dir_ = model_dir;
  const fs::path index = model_dir / "model.safetensors.index.json";
  const fs::path single = model_dir / "model.safetensors";
  std::error_code ec;
  if (fs::exists(index, ec)) {  // a FIFO or folder is refused by the read below
    checkpoint.index_ = index;
    auto text = read_file_bytes(index, kMaxIndexBytes);
    if (!text) return text.error();
    auto parsed = parse_json(*text, index.string());
    if (!parsed) return parsed.error();
    nlohmann::json json = std::move(*parsed);
    if (!json.is_object() || !json.contains("weight_map") || !json["weight_map"].is_object()) {
      return Error{index.string() + ": not a JSON object with a 'weight_map'"};
    }
    std::map<std::string, const SafetensorsFile*> shards;
    for (const auto& [name, shard] : json["weight_map"].items()) {
      if (!shard.is_string()) return Error{index.string() + ": tensor '" + name + "' has no file"};
      const std::string shard_name = shard.get<std::string>();
      if (!plain_file_name(shard_name)) {
        return Error{index.string() + ": shard '" + shard_name + "' is not a file in the folder"};
      }
      auto it = shards.find(shard_name);
      if (it == shards.end()) {
        auto file = SafetensorsFile::open(model_dir / shard_name);
        if (!file) return file.error();
        checkpoint.files_.push_back(std::make_unique<SafetensorsFile>(std::move(file.value())));
        it = shards.emplace(shard_name, checkpoint.files_.back().get()).first;
      }
      if (!it->second->find(name)) {
        return Error{(model_dir / shard_name).string() + ": tensor '" + name +
                     "' named by model.safetensors.index.json is missing"};
      }
      checkpoint.weight_map_.emplace_back(name, it->second);
    }
  } else if (fs::exists(single, ec)) {
    auto file = SafetensorsFile::open(single);
    if (!file) return file.error();
    checkpoint.files_.push_back(std::make_unique<SafetensorsFile>(std::move(file.value())));
    for (const auto& [name, entry] : checkpoint.files_.back()->entries()) {
      checkpoint.weight_map_.emplace_back(name, checkpoint.files_.back().get());
    }
  } else {
    return Error{model_dir.string() +
                 ": no model.safetensors or model.safetensors.index.json (only safetensors "
                 "checkpoints are read)"};
  }
  std::sort(checkpoint.weight_map_.begin(), checkpoint.weight_map_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return checkpoint;
}

Result<CheckpointTensor> SafetensorsCheckpoint::find(const std::string& name) const {
  auto it =
      std::lower_bound(weight_map_.begin(), weight_map_.end(), name,
                       [](const auto& item, const std::string& key) { return item.first < key; });
  if (it == weight_map_.end() || it->first != name) {
    const fs::path where = index_.empty() ? dir_ / "model.safetensors" : index_;
    return Error{where.string() + ": tensor '" + name + "' is missing"};
  }
  return CheckpointTensor{it->second, it->second->find(name)};
}

Status SafetensorsCheckpoint::validate(const ModelConfig& config) const {
  for (const auto& expected : expected_tensors(config)) {
    auto found = find(expected.name);
    if (!found) return found.error();
    const auto& entry = *found->entry;
    const std::string where = found->file->path().string() + ": tensor '" + expected.name + "'";
    if (entry.dtype != SafetensorsDType::F32 && entry.dtype != SafetensorsDType::F16 &&
        entry.dtype != SafetensorsDType::BF16) {
      return Error{where + " has dtype " + entry.dtype_text + " (F32, F16 or BF16 supported)"};
    }
    if (entry.shape != expected.shape) {
      return Error{where + " has shape " + shape_text(entry.shape) + " but config.json implies " +
                   shape_text(expected.shape)};
    }
  }
  return {};
}

std::vector<fs::path> SafetensorsCheckpoint::files() const {
  std::vector<fs::path> paths;
  for (const auto& file : files_)
    paths.push_back(file->path());
  return paths;
}

std::string SafetensorsCheckpoint::stored_dtype() const {
  std::map<SafetensorsDType, uint64_t> bytes;
  for (const auto& [name, file] : weight_map_) {
    const auto* entry = file->find(name);
    bytes[entry->dtype] += entry->end - entry->begin;
  }
  SafetensorsDType most = SafetensorsDType::F32;
  uint64_t most_bytes = 0;
  for (const auto& [dtype, count] : bytes) {
    if (count > most_bytes) most = dtype, most_bytes = count;
  }
  switch (most) {
    case SafetensorsDType::BF16:
      return "bfloat16";
    case SafetensorsDType::F16:
      return "float16";
    default:
      return "float32";
  }
}

}  // namespace afbs
