#pragma once

// Block-sparse causal attention on the CPU, the reference the CUDA kernels are held to.
// Only kept blocks are computed, one query block at a time: the block row's kept key
// blocks are gathered, scored with one matmul (bq × kept keys, never n × n), masked at
// token level inside diagonal blocks, then soft-maxed and multiplied with the gathered V.
// In exact arithmetic this equals the kernel's online softmax over the kept blocks.
//
// Scores are s = q·k/√D in fp32 (q pre-scaled by attention_score_scale(D)); the softmax is
// exp(s − row max) (ATen's exp is vectorised, its exp2 is not in libtorch 1.13).
// PV-skip (λ < kPvSkipOff): kept blocks are visited in ascending key order; for every block
// after the first, with m the running row maximum of the blocks before it, the block's exp
// and P·V are skipped when (blockmax − m)·log2(e) < −λ — the gap in log2 units — for every
// row of the query block. A skipped block never raises the maximum, so it is as if it had
// not been kept.
//
// Dense attention is this same routine with BlockMask::full and λ off, so a sparse head
// whose mask is full reproduces the dense output bit for bit.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/attention/block_mask.h"

namespace afbs {

// 1/√D: the factor q is multiplied by before the kernel.
double attention_score_scale(int64_t head_dim);

// One head's work. Tensors are fp32, contiguous, on the CPU, sharing the mask's length n.
struct HeadAttentionJob {
  at::Tensor q;  // [n, D], already multiplied by attention_score_scale(D)
  at::Tensor k;  // [n, D]
  at::Tensor v;  // [n, D]
  const BlockMask* mask = nullptr;
  double lambda = 50.0;
  at::Tensor output;           // optional [n, D]: receives the attention output
  at::Tensor dense_reference;  // optional [n, D]: Σ|O − reference| is measured against it
  // Optional, sized [query blocks × key blocks] (row-major, zeros) by the caller: set to 1
  // for each kept block whose exp and P·V the PV-skip left out (the head inspector's picture).
  std::vector<uint8_t>* pv_skipped = nullptr;
};

struct HeadAttentionTally {
  int64_t kept_blocks = 0;
  int64_t skipped_blocks = 0;
  double l1_difference = 0.0;  // Σ|O − dense_reference| (0 without a reference)
};

// Runs every job; work items are (job, query block) pairs spread over at::parallel_for,
// heaviest first. Results do not depend on how jobs are grouped into calls or which
// thread runs an item: each item's arithmetic is fixed and sums are taken in block order.
// They may differ in the last bits between thread counts, because OpenBLAS chooses its
// GEMM blocking by the number of threads; within one process setting they are exact.
std::vector<HeadAttentionTally> run_block_sparse_attention(
    const std::vector<HeadAttentionJob>& jobs);

}  // namespace afbs
