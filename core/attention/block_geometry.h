#pragma once

// Where the blocks of a length-n causal attention lie. Torch-free.
// Query block i holds rows [i·bq, min((i+1)·bq, n)); key block j holds keys
// [j·bk, min((j+1)·bk, n)). Key block j is causally visible to query block i when its
// first key is not after the block's last row. The "diagonal" blocks of row i are the
// visible key blocks that contain a key inside the row's own token range: they are the
// only ones that need token-level causal masking, and they are always kept.

#include <cstdint>

#include "core/attention/block_shape.h"

namespace afbs {

class BlockGeometry {
 public:
  BlockGeometry() = default;
  BlockGeometry(int64_t length, BlockShape shape);

  int64_t length() const { return length_; }
  BlockShape shape() const { return shape_; }
  int64_t query_blocks() const { return query_blocks_; }
  int64_t key_blocks() const { return key_blocks_; }

  int64_t first_row(int64_t i) const { return i * shape_.query; }
  int64_t row_count(int64_t i) const;
  int64_t last_row(int64_t i) const { return first_row(i) + row_count(i) - 1; }
  int64_t first_key(int64_t j) const { return j * shape_.key; }
  int64_t key_count(int64_t j) const;
  bool query_block_partial(int64_t i) const { return row_count(i) < shape_.query; }
  bool key_block_partial(int64_t j) const { return key_count(j) < shape_.key; }

  // Key blocks 0 .. visible_key_blocks(i) − 1 are causally visible to query block i.
  int64_t visible_key_blocks(int64_t i) const { return last_row(i) / shape_.key + 1; }
  // The diagonal blocks of row i: first_diagonal_block(i) .. visible_key_blocks(i) − 1.
  int64_t first_diagonal_block(int64_t i) const { return first_row(i) / shape_.key; }
  // Whether key block j reaches into the `window_tokens` keys up to query block i's first row
  // (the sliding-window baseline).
  bool in_window(int64_t i, int64_t j, double window_tokens) const;
  // Σ over rows of the visible key blocks: the denominator of sparsity.
  int64_t causal_blocks() const;

 private:
  int64_t length_ = 0;
  BlockShape shape_;
  int64_t query_blocks_ = 0;
  int64_t key_blocks_ = 0;
};

}  // namespace afbs
