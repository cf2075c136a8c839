#include "core/model/safetensors_writer.h"

#include <nlohmann/json.hpp>

#include "core/common/atomic_file.h"

namespace afbs {

Status write_safetensors(const std::filesystem::path& path,
                         const std::vector<SafetensorsTensorData>& tensors,
                         const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto& tensor : tensors) {
    int64_t numel = 1;
    for (int64_t d : tensor.shape)
      numel *= d;
    const uint64_t expected = static_cast<uint64_t>(numel) * dtype_size(tensor.dtype);
    if (expected != tensor.bytes.size() || dtype_size(tensor.dtype) == 0) {
      return Error{path.string() + ": tensor '" + tensor.name + "' has " +
                   std::to_string(tensor.bytes.size()) + " bytes, its shape needs " +
                   std::to_string(expected)};
    }
    header[tensor.name] = {{"dtype", dtype_name(tensor.dtype)},
                           {"shape", tensor.shape},
                           {"data_offsets", {offset, offset + expected}}};
    offset += expected;
  }
  std::string text = header.dump();
  while (text.size() % 8 != 0)
    text.push_back(' ');  // keeps the data 8-byte aligned

  std::string contents;
  contents.reserve(8 + text.size() + offset);
  for (int i = 0; i < 8; ++i)
    contents.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
  contents += text;
  for (const auto& tensor : tensors) {
    contents.append(reinterpret_cast<const char*>(tensor.bytes.data()), tensor.bytes.size());
  }
  return write_file_atomically(path, contents);
}

}  // namespace afbs
