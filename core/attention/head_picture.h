#pragma once

// What one head does at one setting on one input, block by block: the picture the
// workbench's head inspector draws. Torch-free value type (head_picture_builder.h makes it).

#include <cstdint>
#include <vector>

namespace afbs {

// Why a block is computed or not (DESIGN.md §4, prediction steps 4–5 and the PV-skip).
enum class BlockRole : uint8_t {
  hidden,           // not causally visible (above the diagonal)
  skipped,          // visible, left out of the mask
  kept,             // kept by the cumulative rule on τ
  kept_incoherent,  // kept because its Q or K block is incoherent (coherence ≤ θ)
  forced,           // the sink block 0 or a diagonal block: always kept
  pv_skipped,       // kept, but its exp and P·V skipped by λ in the attention
};
inline constexpr int kBlockRoleCount = 6;

struct HeadPicture {
  int64_t length_tokens = 0;
  int64_t query_blocks = 0;
  int64_t key_blocks = 0;
  // Row-major [query_blocks × key_blocks].
  std::vector<BlockRole> roles;
  // The pooled attention P̂: per query block, the softmax of the compressed scores Ŝ over its
  // visible key blocks (coherence ignored); 0 where hidden. Row-major like `roles`.
  std::vector<float> pooled_attention;
  double sparsity = 0.0;          // 1 − kept / causal blocks (the mask's, PV-skips kept)
  int64_t pv_skipped_blocks = 0;  // kept blocks whose exp and P·V λ skipped

  BlockRole role(int64_t i, int64_t j) const { return roles[i * key_blocks + j]; }
  float attention(int64_t i, int64_t j) const { return pooled_attention[i * key_blocks + j]; }
};

}  // namespace afbs
