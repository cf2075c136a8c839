#include "core/attention/block_mask.h"

#include <algorithm>
#include <cassert>

namespace afbs {

BlockMask::BlockMask(const BlockGeometry& geometry) : geometry_(geometry) {
  offsets_.reserve(geometry.query_blocks() + 1);
}

BlockMask BlockMask::full(const BlockGeometry& geometry) {
  BlockMask mask(geometry);
  std::vector<int32_t> columns;
  for (int64_t i = 0; i < geometry.query_blocks(); ++i) {
    columns.resize(geometry.visible_key_blocks(i));
    for (size_t j = 0; j < columns.size(); ++j)
      columns[j] = static_cast<int32_t>(j);
    mask.append_row(columns);
  }
  return mask;
}

void BlockMask::append_row(std::span<const int32_t> ascending_columns) {
  assert(std::is_sorted(ascending_columns.begin(), ascending_columns.end()));
  columns_.insert(columns_.end(), ascending_columns.begin(), ascending_columns.end());
  offsets_.push_back(static_cast<int64_t>(columns_.size()));
}

std::span<const int32_t> BlockMask::row(int64_t i) const {
  return {columns_.data() + offsets_[i], static_cast<size_t>(offsets_[i + 1] - offsets_[i])};
}

bool BlockMask::kept(int64_t i, int64_t j) const {
  const auto columns = row(i);
  return std::binary_search(columns.begin(), columns.end(), static_cast<int32_t>(j));
}

double BlockMask::sparsity() const {
  const int64_t causal = geometry_.causal_blocks();
  return causal == 0 ? 0.0 : 1.0 - static_cast<double>(kept_blocks()) / causal;
}

std::vector<uint8_t> BlockMask::dense_bits() const {
  const int64_t width = geometry_.key_blocks();
  std::vector<uint8_t> bits(static_cast<size_t>(rows() * width), 0);
  for (int64_t i = 0; i < rows(); ++i) {
    for (int32_t j : row(i))
      bits[i * width + j] = 1;
  }
  return bits;
}

}  // namespace afbs
