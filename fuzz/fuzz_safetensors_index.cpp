// model.safetensors.index.json beside one real shard: names, paths and the weight map.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "core/model/safetensors_checkpoint.h"
#include "fuzz/scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool shard_written = [] {
    const std::string header = R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i)
      bytes[static_cast<size_t>(i)] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    bytes += header + std::string(4, '\0');
    std::ofstream(afbs::fuzz::scratch_folder() / "a.safetensors", std::ios::binary) << bytes;
    return true;
  }();
  (void)shard_written;
  afbs::fuzz::write_scratch("model.safetensors.index.json", data, size);
  auto checkpoint = afbs::SafetensorsCheckpoint::open(afbs::fuzz::scratch_folder());
  (void)checkpoint;
  return 0;
}
