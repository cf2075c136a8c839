#pragma once

// Block-mask prediction for the heads of one layer on one input (DESIGN.md §4).
// Building a MaskPredictor computes everything that does not depend on the setting —
// smoothed keys, pooled blocks, block coherence, compressed scores, and each row's
// visible key blocks sorted by score — so predict() for a new (θ, τ) only walks the
// sorted rows. The definitions, precisely (all arithmetic fp32):
//  * K smoothing: k̃ = k − mean over the n tokens of k (per KV head). Q is not smoothed.
//  * Coherence of a block of rows x_1..x_m: ‖Σ x_a/‖x_a‖‖² / m², the mean pairwise cosine
//    with the diagonal included (a zero row counts as a zero unit vector), clamped to 1.
//    A partial last block has coherence −∞. A block is coherent iff coherence > θ, so
//    θ ≥ 1 makes every block incoherent and the mask dense.
//  * Ŝ[i,j] = (pool(Q_i) · pool(K̃_j)) · (1/√D) for every visible key block j.
//  * cumulative rule, row i: walk the visible coherent columns in descending Ŝ (ties:
//    lower column first); e = exp(Ŝ − max of those); c_r = running sum of e in that order;
//    keep position r iff r = 0 or c_r ≤ τ·c_last. Then force: all columns if Q block i is
//    incoherent, else every incoherent visible K column, the sink block 0 and the
//    diagonal blocks.
//  * top_fraction F: the ⌈F·c − 1e−9⌉ (at least 1) highest-Ŝ of the row's c visible
//    columns, coherence ignored, plus sink and diagonal.
//  * sliding_window W: visible blocks holding a key ≥ (first row − W + 1), plus sink
//    and diagonal (block-granular).

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/attention/block_geometry.h"
#include "core/attention/block_mask.h"
#include "core/attention/head_setting.h"
#include "core/common/result.h"

namespace afbs {

class MaskPredictor {
 public:
  // q: [Hq, n, D], k: [Hkv, n, D], float tensors on the CPU, Hq a multiple of Hkv.
  static Result<MaskPredictor> build(const at::Tensor& q, const at::Tensor& k, BlockShape shape);

  const BlockGeometry& geometry() const { return geometry_; }
  int64_t query_heads() const { return query_heads_; }
  int64_t kv_heads() const { return kv_heads_; }
  int64_t kv_head_of(int64_t head) const { return head / (query_heads_ / kv_heads_); }

  BlockMask predict(int64_t head, const HeadSetting& setting) const;

  float query_coherence(int64_t head, int64_t block) const;
  float key_coherence(int64_t kv_head, int64_t block) const;
  // Ŝ[i, j] for a visible block j of row i.
  float compressed_score(int64_t head, int64_t i, int64_t j) const;

 private:
  void select_cumulative(int64_t head, int64_t i, const HeadSetting& setting,
                         std::vector<uint8_t>& keep) const;
  void select_top_fraction(int64_t head, int64_t i, double fraction,
                           std::vector<uint8_t>& keep) const;
  void select_window(int64_t i, double tokens, std::vector<uint8_t>& keep) const;
  int64_t row_offset(int64_t head, int64_t i) const {
    return (head * geometry_.query_blocks() + i) * geometry_.key_blocks();
  }

  BlockGeometry geometry_;
  int64_t query_heads_ = 0;
  int64_t kv_heads_ = 0;
  std::vector<float> query_coherence_;   // [Hq × query blocks]
  std::vector<float> key_coherence_;     // [Hkv × key blocks]
  std::vector<float> scores_;            // Ŝ, [Hq × query blocks × key blocks]
  std::vector<int32_t> sorted_columns_;  // per row: visible columns by descending Ŝ
};

}  // namespace afbs
