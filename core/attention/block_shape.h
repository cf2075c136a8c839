#pragma once

// The kernel's tile: query rows × key columns per block. Torch-free.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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

  // "128x64" → {128, 64}; nullopt unless it is two positive integers joined by 'x'.
  static std::optional<BlockShape> parse(std::string_view text) {
    const auto x = text.find('x');
    if (x == std::string_view::npos) return std::nullopt;
    BlockShape shape;
    for (auto [part, value] :
         {std::pair{text.substr(0, x), &shape.query}, std::pair{text.substr(x + 1), &shape.key}}) {
      const char* end = part.data() + part.size();
      auto [stop, error] = std::from_chars(part.data(), end, *value);
      if (part.empty() || error != std::errc{} || stop != end || *value <= 0) return std::nullopt;
    }
    return shape;
  }
};

}  // namespace afbs
