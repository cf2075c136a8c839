#pragma once

// Block-sparse causal attention written with whole-tensor ATen ops, so it runs wherever the
// job's tensors live: the evaluator's GPU path until our CUDA kernels exist. Same contract as
// run_block_sparse_attention (block_sparse_attention.h), the CPU reference: same masks, same
// PV-skip rule (kept blocks visited in ascending key order, a block skipped when every row of
// its query block has (blockmax − running max)·log2(e) < −λ), fp32 throughout.
// Scores come from one n × n matmul per head instead of one per query block, so outputs agree
// with the reference to rounding, and a PV-skip decision can differ only where a gap sits
// within rounding of −λ. Jobs of one length and block shape run as one batch (bmm), up to
// 2^28 score floats (1 GiB) at a time: n² floats per head in flight (64 MiB at 4096 tokens).

#include <vector>

#include "core/attention/block_sparse_attention.h"

namespace afbs {

// Runs every job; the jobs' q, k, v (and output, dense_reference if set) share one device.
std::vector<HeadAttentionTally> run_block_sparse_attention_aten(
    const std::vector<HeadAttentionJob>& jobs);

}  // namespace afbs
