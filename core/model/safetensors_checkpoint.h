#pragma once

// The weights of a Hugging Face model folder: model.safetensors, or the shards that
// model.safetensors.index.json names. Torch-free: validation reads headers only.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/model/model_config.h"
#include "core/model/safetensors_file.h"

namespace afbs {

// A tensor found in a checkpoint: its header entry and the file holding it.
struct CheckpointTensor {
  const SafetensorsFile* file = nullptr;
  const SafetensorsEntry* entry = nullptr;
};

class SafetensorsCheckpoint {
 public:
  // Opens and validates every file of the folder's checkpoint (see SafetensorsFile::open);
  // with an index, every tensor it maps must exist in the shard it names.
  static Result<SafetensorsCheckpoint> open(const std::filesystem::path& model_dir);

  // Checks that every tensor `config` implies is present, with the implied shape and a
  // dtype of F32, F16 or BF16. Errors name the file and tensor.
  Status validate(const ModelConfig& config) const;

  // The tensor called `name`, or an error naming the checkpoint and the tensor.
  Result<CheckpointTensor> find(const std::string& name) const;

  // Names of the files read (one, or every shard).
  std::vector<std::filesystem::path> files() const;
  // The dtype most bytes are stored in ("bfloat16", "float16", "float32").
  std::string stored_dtype() const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path index_;  // empty for a single file
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::vector<std::pair<std::string, const SafetensorsFile*>> weight_map_;  // sorted by name
};

}  // namespace afbs
