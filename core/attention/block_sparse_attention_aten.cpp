#include "core/attention/block_sparse_attention_aten.h"

#include <ATen/ATen.h>

#include <limits>

#include "core/attention/head_setting.h"

namespace afbs {
namespace {

constexpr double kLog2E = 1.44269504088896340736;

// The mask's kept blocks as a [query blocks, key blocks] bool tensor on `device`.
at::Tensor block_bits(const BlockMask& mask, const at::Device& device) {
  const BlockGeometry& geometry = mask.geometry();
  const std::vector<uint8_t> bits = mask.dense_bits();
  return at::from_blob(const_cast<uint8_t*>(bits.data()),
                       {geometry.query_blocks(), geometry.key_blocks()}, at::kByte)
      .to(device)
      .to(at::kBool);
}

// For each token, the index of its block: [n] int64.
at::Tensor block_of_token(int64_t length, int64_t block, const at::Device& device) {
  return at::div(at::arange(length, at::TensorOptions().dtype(at::kLong).device(device)), block,
                 "floor");
}

// Which kept blocks survive PV-skip: kept [qb, kb] bool → computed [qb, kb] bool.
// `block_max` [n, kb] holds each row's maximum score over each key block (−∞ where the block
// has no visible key for the row); rows are grouped into query blocks by `row_block`.
at::Tensor pv_skip_survivors(const at::Tensor& kept, const at::Tensor& block_max,
                             const at::Tensor& row_block, int64_t query_block_rows, double lambda) {
  const int64_t query_blocks = kept.size(0);
  const int64_t key_blocks = kept.size(1);
  const int64_t rows = block_max.size(0);
  at::Tensor computed = kept.clone();
  at::Tensor running =
      at::full({rows}, -std::numeric_limits<float>::infinity(), block_max.options());
  at::Tensor started = at::zeros({query_blocks}, kept.options());  // a first block was visited
  const int64_t padded_rows = query_blocks * query_block_rows;
  for (int64_t b = 0; b < key_blocks; ++b) {
    const at::Tensor kept_here = kept.select(1, b);
    const at::Tensor maximum = block_max.select(1, b);
    // A row "rises" unless its gap is below −λ (NaN-safe the way the reference is: !(gap < −λ)).
    at::Tensor rises = at::logical_not(at::lt((maximum - running) * kLog2E, -lambda));
    at::Tensor padded = at::zeros({padded_rows}, rises.options());
    padded.narrow(0, 0, rows).copy_(rises);
    const at::Tensor any_rises = padded.view({query_blocks, query_block_rows}).any(1);
    const at::Tensor keep =
        at::logical_and(kept_here, at::logical_or(any_rises, at::logical_not(started)));
    computed.select(1, b).copy_(keep);
    started = at::logical_or(started, kept_here);
    const at::Tensor keep_rows = keep.index_select(0, row_block);
    running = at::where(keep_rows, at::maximum(running, maximum), running);
  }
  return computed;
}

HeadAttentionTally attend(const HeadAttentionJob& job) {
  const BlockMask& mask = *job.mask;
  const BlockGeometry& geometry = mask.geometry();
  const at::Device device = job.q.device();
  const int64_t n = job.q.size(0);
  const BlockShape shape = geometry.shape();
  HeadAttentionTally tally;
  tally.kept_blocks = mask.kept_blocks();

  at::Tensor kept = block_bits(mask, device);
  const at::Tensor row_block = block_of_token(n, shape.query, device);
  const at::Tensor key_block = block_of_token(n, shape.key, device);
  const at::Tensor positions = at::arange(n, at::TensorOptions().dtype(at::kLong).device(device));
  const at::Tensor causal = at::le(positions.unsqueeze(0), positions.unsqueeze(1));  // key ≤ row

  at::Tensor scores = at::mm(job.q, job.k.t());  // q is pre-scaled
  const float minus_infinity = -std::numeric_limits<float>::infinity();
  if (job.lambda < kPvSkipOff && geometry.key_blocks() > 1) {
    // Each row's maximum over each key block, among the keys it may see.
    const int64_t padded = geometry.key_blocks() * shape.key;
    at::Tensor visible = at::full({n, padded}, minus_infinity, scores.options());
    visible.narrow(1, 0, n).copy_(scores.masked_fill(at::logical_not(causal), minus_infinity));
    const at::Tensor block_max = visible.view({n, geometry.key_blocks(), shape.key}).amax(2);
    const at::Tensor computed =
        pv_skip_survivors(kept, block_max, row_block, shape.query, job.lambda);
    tally.skipped_blocks = tally.kept_blocks - computed.sum().item<int64_t>();
    kept = computed;
  }
  // Token-level mask: the block's bit, and causality inside diagonal blocks.
  const at::Tensor allowed =
      at::logical_and(kept.index_select(0, row_block).index_select(1, key_block), causal);
  scores.masked_fill_(at::logical_not(allowed), minus_infinity);
  scores.sub_(at::amax(scores, {1}, true)).exp_();
  const at::Tensor row_sums = scores.sum(1, true);
  const at::Tensor output = at::mm(scores, job.v).div_(row_sums);
  if (job.output.defined()) job.output.copy_(output);
  if (job.dense_reference.defined()) {
    tally.l1_difference = (output - job.dense_reference).abs().sum(at::kDouble).item<double>();
  }
  return tally;
}

}  // namespace

std::vector<HeadAttentionTally> run_block_sparse_attention_aten(
    const std::vector<HeadAttentionJob>& jobs) {
  std::vector<HeadAttentionTally> tallies;
  tallies.reserve(jobs.size());
  for (const HeadAttentionJob& job : jobs)
    tallies.push_back(attend(job));
  return tallies;
}

}  // namespace afbs
