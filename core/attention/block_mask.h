#pragma once

// The kept key blocks of one head: for each query block, its kept key-block indices in
// ascending order (compressed rows). Only causally visible blocks are ever kept. Torch-free.

#include <cstdint>
#include <span>
#include <vector>

#include "core/attention/block_geometry.h"

namespace afbs {

class BlockMask {
 public:
  BlockMask() = default;
  explicit BlockMask(const BlockGeometry& geometry);

  // Every causally visible block: dense attention.
  static BlockMask full(const BlockGeometry& geometry);

  // Appends query block `row`'s kept columns; rows must be appended in order 0, 1, …
  void append_row(std::span<const int32_t> ascending_columns);

  const BlockGeometry& geometry() const { return geometry_; }
  int64_t rows() const { return static_cast<int64_t>(offsets_.size()) - 1; }
  std::span<const int32_t> row(int64_t i) const;
  bool kept(int64_t i, int64_t j) const;
  int64_t kept_blocks() const { return static_cast<int64_t>(columns_.size()); }
  // 1 − kept / causal.
  double sparsity() const;
  // Row-major [query_blocks × key_blocks] 0/1 picture, for tests and kernels.
  std::vector<uint8_t> dense_bits() const;

 private:
  BlockGeometry geometry_;
  std::vector<int64_t> offsets_{0};
  std::vector<int32_t> columns_;
};

}  // namespace afbs
