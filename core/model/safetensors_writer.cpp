#include "core/model/safetensors_writer.h"

#include <unistd.h>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

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

  const auto temporary = path.string() + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return Error{path.string() + ": cannot write " + temporary};
    unsigned char length[8];
    for (int i = 0; i < 8; ++i)
      length[i] = static_cast<unsigned char>((text.size() >> (8 * i)) & 0xff);
    out.write(reinterpret_cast<const char*>(length), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& tensor : tensors) {
      out.write(reinterpret_cast<const char*>(tensor.bytes.data()),
                static_cast<std::streamsize>(tensor.bytes.size()));
    }
    out.flush();
    if (!out) {
      out.close();
      std::remove(temporary.c_str());
      return Error{path.string() + ": writing failed (disk full?)"};
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::remove(temporary.c_str());
    return Error{path.string() + ": cannot be replaced: " + ec.message()};
  }
  return {};
}

}  // namespace afbs
