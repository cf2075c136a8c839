#include "core/attention/block_geometry.h"

#include <algorithm>

namespace afbs {

BlockGeometry::BlockGeometry(int64_t length, BlockShape shape)
    : length_(length),
      shape_(shape),
      query_blocks_((length + shape.query - 1) / shape.query),
      key_blocks_((length + shape.key - 1) / shape.key) {}

int64_t BlockGeometry::row_count(int64_t i) const {
  return std::min(shape_.query, length_ - first_row(i));
}

int64_t BlockGeometry::key_count(int64_t j) const {
  return std::min(shape_.key, length_ - first_key(j));
}

bool BlockGeometry::in_window(int64_t i, int64_t j, double window_tokens) const {
  const int64_t last_key = first_key(j) + key_count(j) - 1;
  return static_cast<double>(last_key) >= static_cast<double>(first_row(i)) - window_tokens + 1.0;
}

int64_t BlockGeometry::causal_blocks() const {
  int64_t total = 0;
  for (int64_t i = 0; i < query_blocks_; ++i)
    total += visible_key_blocks(i);
  return total;
}

}  // namespace afbs
