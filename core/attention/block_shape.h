#pragma once

// The kernel's tile: query rows × key columns per block. Torch-free.

#include <cstdint>
#include <string>

namespace afbs {

struct BlockShape {
  int64_t query = 64;
  int64_t key = 64;

  bool operator==(const BlockShape&) const = default;
  // 64×64 (default), 128×64 and 64×128 are the shapes the kernels support.
  bool supported() const {
    return (query == 64 && key == 64) || (query == 128 && key == 64) || (query == 64 && key == 128);
  }
  std::string text() const { return std::to_string(query) + "x" + std::to_string(key); }
};

}  // namespace afbs
