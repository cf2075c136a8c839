#include "core/attention/block_sparse_attention_aten.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <limits>

#include "core/attention/head_setting.h"

namespace afbs {
namespace {

constexpr double kLog2E = 1.44269504088896340736;
constexpr int64_t kScoreBudget = int64_t{1} << 28;  // floats of n × n scores per batch (1 GiB)

at::TensorOptions long_on(const at::Device& device) {
  return at::TensorOptions().dtype(at::kLong).device(device);
}

// The masks' kept blocks as a [jobs, query blocks, key blocks] bool tensor on `device`.
at::Tensor block_bits(const std::vector<const HeadAttentionJob*>& jobs, const at::Device& device) {
  const BlockGeometry& geometry = jobs.front()->mask->geometry();
  const int64_t cells = geometry.query_blocks() * geometry.key_blocks();
  std::vector<uint8_t> bits;
  bits.reserve(static_cast<size_t>(cells) * jobs.size());
  for (const HeadAttentionJob* job : jobs) {
    const std::vector<uint8_t> one = job->mask->dense_bits();
    bits.insert(bits.end(), one.begin(), one.end());
  }
  return at::from_blob(
             bits.data(),
             {static_cast<int64_t>(jobs.size()), geometry.query_blocks(), geometry.key_blocks()},
             at::kByte)
      .to(device)
      .to(at::kBool);  // a copy even on the CPU: `bits` dies here
}

// Which kept blocks survive PV-skip, for every job at once. kept [J, qb, kb]; block_max
// [J, n, kb] holds each row's maximum score over each key block (−∞ where the block has no
// visible key for the row); rows belong to query blocks by `row_block` [n]; lambda [J].
at::Tensor pv_skip_survivors(const at::Tensor& kept, const at::Tensor& block_max,
                             const at::Tensor& row_block, int64_t query_block_rows,
                             const at::Tensor& lambda) {
  const int64_t jobs = kept.size(0), query_blocks = kept.size(1), key_blocks = kept.size(2);
  const int64_t rows = block_max.size(1);
  const int64_t padded_rows = query_blocks * query_block_rows;
  const at::Tensor threshold = (-lambda).unsqueeze(1);  // [J, 1]
  at::Tensor computed = kept.clone();
  at::Tensor running =
      at::full({jobs, rows}, -std::numeric_limits<float>::infinity(), block_max.options());
  at::Tensor started = at::zeros({jobs, query_blocks}, kept.options());
  at::Tensor rises_padded = at::zeros({jobs, padded_rows}, kept.options());
  for (int64_t b = 0; b < key_blocks; ++b) {
    const at::Tensor kept_here = kept.select(2, b);     // [J, qb]
    const at::Tensor maximum = block_max.select(2, b);  // [J, n]
    // A row "rises" unless its gap is below −λ (NaN-safe as in the reference: !(gap < −λ)).
    rises_padded.narrow(1, 0, rows)
        .copy_(at::logical_not(at::lt((maximum - running) * kLog2E, threshold)));
    const at::Tensor any_rises = rises_padded.view({jobs, query_blocks, query_block_rows}).any(2);
    const at::Tensor keep =
        at::logical_and(kept_here, at::logical_or(any_rises, at::logical_not(started)));
    computed.select(2, b).copy_(keep);
    started = at::logical_or(started, kept_here);
    const at::Tensor keep_rows = keep.index_select(1, row_block);  // [J, n]
    running = at::where(keep_rows, at::maximum(running, maximum), running);
  }
  return computed;
}

// One batch: jobs sharing geometry and device.
void attend(const std::vector<const HeadAttentionJob*>& jobs,
            std::vector<HeadAttentionTally>& tallies, size_t first) {
  const HeadAttentionJob& lead = *jobs.front();
  const BlockGeometry& geometry = lead.mask->geometry();
  const BlockShape shape = geometry.shape();
  const at::Device device = lead.q.device();
  const int64_t n = lead.q.size(0);
  const float minus_infinity = -std::numeric_limits<float>::infinity();

  std::vector<at::Tensor> qs, ks, vs;
  std::vector<double> lambdas;
  for (const HeadAttentionJob* job : jobs) {
    qs.push_back(job->q);
    ks.push_back(job->k);
    vs.push_back(job->v);
    lambdas.push_back(job->lambda);
  }
  const at::Tensor q = at::stack(qs), k = at::stack(ks), v = at::stack(vs);  // [J, n, D]
  at::Tensor kept = block_bits(jobs, device);
  const at::Tensor row_block = at::div(at::arange(n, long_on(device)), shape.query, "floor");
  const at::Tensor key_block = at::div(at::arange(n, long_on(device)), shape.key, "floor");
  const at::Tensor positions = at::arange(n, long_on(device));
  const at::Tensor causal = at::le(positions.unsqueeze(0), positions.unsqueeze(1));  // key ≤ row

  at::Tensor scores = at::bmm(q, k.transpose(1, 2));  // q is pre-scaled
  std::vector<int64_t> kept_counts;
  for (const HeadAttentionJob* job : jobs)
    kept_counts.push_back(job->mask->kept_blocks());

  const bool any_skip = std::any_of(lambdas.begin(), lambdas.end(),
                                    [](double lambda) { return lambda < kPvSkipOff; });
  at::Tensor computed_counts;
  if (any_skip && geometry.key_blocks() > 1) {
    const int64_t padded = geometry.key_blocks() * shape.key;
    at::Tensor visible =
        at::full({static_cast<int64_t>(jobs.size()), n, padded}, minus_infinity, scores.options());
    visible.narrow(2, 0, n).copy_(scores.masked_fill(at::logical_not(causal), minus_infinity));
    const at::Tensor block_max =
        visible.view({static_cast<int64_t>(jobs.size()), n, geometry.key_blocks(), shape.key})
            .amax(3);
    visible.reset();
    const at::Tensor lambda =
        at::tensor(lambdas, at::TensorOptions().dtype(at::kDouble)).to(scores.options());
    const at::Tensor survivors = pv_skip_survivors(kept, block_max, row_block, shape.query, lambda);
    // λ at or above kPvSkipOff turns the rule off for that job, as in the reference.
    const at::Tensor rule_on = at::lt(lambda, kPvSkipOff).view({-1, 1, 1});
    kept = at::where(rule_on, survivors, kept);
    computed_counts = kept.sum({1, 2}).cpu();
  }
  // Token-level mask: the block's bit, and causality inside diagonal blocks.
  const at::Tensor allowed = at::logical_and(
      kept.index_select(1, row_block).index_select(2, key_block), causal.unsqueeze(0));
  scores.masked_fill_(at::logical_not(allowed), minus_infinity);
  scores.sub_(at::amax(scores, {2}, true)).exp_();
  const at::Tensor row_sums = scores.sum(2, true);
  const at::Tensor output = at::bmm(scores, v).div_(row_sums);
  scores.reset();

  std::vector<at::Tensor> references;
  for (const HeadAttentionJob* job : jobs)
    if (job->dense_reference.defined()) references.push_back(job->dense_reference);
  at::Tensor differences;
  if (references.size() == jobs.size()) {
    differences = (output - at::stack(references)).abs().sum({1, 2}, false, at::kDouble).cpu();
  }
  for (size_t j = 0; j < jobs.size(); ++j) {
    HeadAttentionTally& tally = tallies[first + j];
    tally.kept_blocks = kept_counts[j];
    if (computed_counts.defined()) {
      tally.skipped_blocks =
          kept_counts[j] - computed_counts[static_cast<int64_t>(j)].item<int64_t>();
    }
    if (jobs[j]->output.defined()) jobs[j]->output.copy_(output[static_cast<int64_t>(j)]);
    if (differences.defined()) {
      tally.l1_difference = differences[static_cast<int64_t>(j)].item<double>();
    } else if (jobs[j]->dense_reference.defined()) {
      tally.l1_difference = (output[static_cast<int64_t>(j)] - jobs[j]->dense_reference)
                                .abs()
                                .sum(at::kDouble)
                                .item<double>();
    }
  }
}

}  // namespace

std::vector<HeadAttentionTally> run_block_sparse_attention_aten(
    const std::vector<HeadAttentionJob>& jobs) {
  std::vector<HeadAttentionTally> tallies(jobs.size());
  // Consecutive jobs of one length and block shape go in one batch, as many as the score
  // budget allows (every job of an evaluator call shares both).
  size_t first = 0;
  while (first < jobs.size()) {
    const BlockGeometry& geometry = jobs[first].mask->geometry();
    const int64_t n = jobs[first].q.size(0);
    const size_t most = static_cast<size_t>(std::max<int64_t>(1, kScoreBudget / (n * n)));
    std::vector<const HeadAttentionJob*> batch{&jobs[first]};
    while (first + batch.size() < jobs.size() && batch.size() < most) {
      const HeadAttentionJob& next = jobs[first + batch.size()];
      if (next.q.size(0) != n || next.mask->geometry().shape() != geometry.shape() ||
          next.q.device() != jobs[first].q.device())
        break;
      batch.push_back(&next);
    }
    attend(batch, tallies, first);
    first += batch.size();
  }
  return tallies;
}

}  // namespace afbs
