#include "core/attention/block_sparse_attention.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/attention/head_setting.h"

namespace afbs {
namespace {

constexpr float kLog2E = 1.44269504088896340736f;

struct KeyRun {  // consecutive kept key tokens
  int64_t first_token;
  int64_t tokens;
  int64_t first_column;  // where the run starts among the gathered keys
};

struct ItemTally {
  int64_t kept_blocks = 0;
  int64_t skipped_blocks = 0;
  double l1_difference = 0.0;
};

std::vector<KeyRun> key_runs(const BlockGeometry& geometry, std::span<const int32_t> columns) {
  std::vector<KeyRun> runs;
  int64_t column = 0;
  for (int32_t j : columns) {
    const int64_t first = geometry.first_key(j), count = geometry.key_count(j);
    if (!runs.empty() && runs.back().first_token + runs.back().tokens == first) {
      runs.back().tokens += count;
    } else {
      runs.push_back({first, count, column});
    }
    column += count;
  }
  return runs;
}

// Rows of `source` named by the runs, as one [tokens, D] tensor (a view when one run).
at::Tensor gather_rows(const at::Tensor& source, const std::vector<KeyRun>& runs, int64_t tokens) {
  if (runs.size() == 1) return source.narrow(0, runs[0].first_token, runs[0].tokens);
  const int64_t dim = source.size(1);
  at::Tensor gathered = at::empty({tokens, dim}, source.options());
  const float* from = source.data_ptr<float>();
  float* to = gathered.data_ptr<float>();
  for (const KeyRun& run : runs) {
    std::memcpy(to + run.first_column * dim, from + run.first_token * dim,
                sizeof(float) * static_cast<size_t>(run.tokens * dim));
  }
  return gathered;
}

// Sets the scores of keys after each row's own token to −∞.
void mask_future_keys(float* scores, int64_t rows, int64_t width, int64_t first_row,
                      const std::vector<KeyRun>& runs) {
  const float minus_infinity = -std::numeric_limits<float>::infinity();
  for (const KeyRun& run : runs) {
    const int64_t last_token = run.first_token + run.tokens - 1;
    if (last_token <= first_row) continue;
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t token = first_row + r;
      for (int64_t t = std::max(run.first_token, token + 1); t <= last_token; ++t) {
        scores[r * width + run.first_column + (t - run.first_token)] = minus_infinity;
      }
    }
  }
}

// Which kept blocks (by position in the row) survive the PV-skip rule.
std::vector<uint8_t> blocks_computed(const float* scores, int64_t rows, int64_t width,
                                     const std::vector<int64_t>& block_columns, float lambda) {
  const size_t blocks = block_columns.size() - 1;
  std::vector<uint8_t> computed(blocks, 1);
  std::vector<float> running(static_cast<size_t>(rows));
  std::vector<float> block_max(static_cast<size_t>(rows));
  for (size_t b = 0; b < blocks; ++b) {
    bool any_row_rises = false;
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = scores + r * width;
      float maximum = -std::numeric_limits<float>::infinity();
      for (int64_t c = block_columns[b]; c < block_columns[b + 1]; ++c) {
        maximum = row[c] > maximum ? row[c] : maximum;
      }
      block_max[r] = maximum;
      if (b > 0 && !((maximum - running[r]) * kLog2E < -lambda)) any_row_rises = true;
    }
    if (b > 0 && !any_row_rises) {
      computed[b] = 0;
      continue;
    }
    for (int64_t r = 0; r < rows; ++r) {
      running[r] = b == 0 ? block_max[r] : std::max(running[r], block_max[r]);
    }
  }
  return computed;
}

ItemTally attend_query_block(const HeadAttentionJob& job, int64_t block_row) {
  const BlockGeometry& geometry = job.mask->geometry();
  const auto columns = job.mask->row(block_row);
  const int64_t first_row = geometry.first_row(block_row);
  const int64_t rows = geometry.row_count(block_row);
  const int64_t dim = job.q.size(1);
  ItemTally tally;
  tally.kept_blocks = static_cast<int64_t>(columns.size());

  const std::vector<KeyRun> runs = key_runs(geometry, columns);
  const int64_t width = runs.back().first_column + runs.back().tokens;
  at::Tensor values = gather_rows(job.v, runs, width);
  at::Tensor scores = at::mm(job.q.narrow(0, first_row, rows), gather_rows(job.k, runs, width).t());
  mask_future_keys(scores.data_ptr<float>(), rows, width, first_row, runs);

  if (job.lambda < kPvSkipOff && columns.size() > 1) {
    std::vector<int64_t> block_columns{0};
    for (int32_t j : columns)
      block_columns.push_back(block_columns.back() + geometry.key_count(j));
    const std::vector<uint8_t> computed = blocks_computed(
        scores.data_ptr<float>(), rows, width, block_columns, static_cast<float>(job.lambda));
    const auto survivors = std::count(computed.begin(), computed.end(), uint8_t{1});
    tally.skipped_blocks = static_cast<int64_t>(computed.size()) - survivors;
    if (job.pv_skipped) {  // each work item writes only its own block row
      for (size_t b = 0; b < computed.size(); ++b) {
        if (!computed[b]) (*job.pv_skipped)[block_row * geometry.key_blocks() + columns[b]] = 1;
      }
    }
    if (tally.skipped_blocks > 0) {
      std::vector<at::Tensor> score_parts, value_parts;
      for (size_t b = 0; b < computed.size(); ++b) {
        if (!computed[b]) continue;
        const int64_t count = block_columns[b + 1] - block_columns[b];
        score_parts.push_back(scores.narrow(1, block_columns[b], count));
        value_parts.push_back(values.narrow(0, block_columns[b], count));
      }
      scores = at::cat(score_parts, 1);
      values = at::cat(value_parts, 0);
    }
  }

  scores.sub_(at::amax(scores, {1}, true)).exp_();
  const at::Tensor row_sums = scores.sum(1, true);
  at::Tensor output = at::mm(scores, values).div_(row_sums);

  if (job.output.defined()) job.output.narrow(0, first_row, rows).copy_(output);
  if (job.dense_reference.defined()) {
    const float* produced = output.data_ptr<float>();
    const float* reference = job.dense_reference.data_ptr<float>() + first_row * dim;
    double difference = 0.0;
    for (int64_t e = 0; e < rows * dim; ++e)
      difference += std::fabs(produced[e] - reference[e]);
    tally.l1_difference = difference;
  }
  return tally;
}

}  // namespace

double attention_score_scale(int64_t head_dim) {
  return 1.0 / std::sqrt(static_cast<double>(head_dim));
}

std::vector<HeadAttentionTally> run_block_sparse_attention(
    const std::vector<HeadAttentionJob>& jobs) {
  struct Item {
    size_t job;
    int64_t block_row;
    int64_t cost;
  };
  std::vector<Item> items;
  std::vector<size_t> first_item(jobs.size() + 1, 0);
  for (size_t n = 0; n < jobs.size(); ++n) {
    const BlockMask& mask = *jobs[n].mask;
    for (int64_t i = 0; i < mask.rows(); ++i) {
      items.push_back(
          {n, i, static_cast<int64_t>(mask.row(i).size()) * mask.geometry().row_count(i)});
    }
  }
  std::vector<ItemTally> item_tallies(items.size());
  std::vector<size_t> schedule(items.size());
  for (size_t t = 0; t < schedule.size(); ++t)
    schedule[t] = t;
  std::stable_sort(schedule.begin(), schedule.end(),
                   [&](size_t a, size_t b) { return items[a].cost > items[b].cost; });

  // Dynamic scheduling inside one parallel region: block rows differ widely in cost.
  std::atomic<size_t> next{0};
  const int64_t workers = std::max<int64_t>(1, at::get_num_threads());
  at::parallel_for(0, workers, 1, [&](int64_t, int64_t) {
    for (size_t s = next.fetch_add(1); s < schedule.size(); s = next.fetch_add(1)) {
      const Item& item = items[schedule[s]];
      item_tallies[schedule[s]] = attend_query_block(jobs[item.job], item.block_row);
    }
  });

  std::vector<HeadAttentionTally> tallies(jobs.size());
  for (size_t t = 0; t < items.size(); ++t) {  // in job order, block order: deterministic
    HeadAttentionTally& tally = tallies[items[t].job];
    tally.kept_blocks += item_tallies[t].kept_blocks;
    tally.skipped_blocks += item_tallies[t].skipped_blocks;
    tally.l1_difference += item_tallies[t].l1_difference;
  }
  return tallies;
}

}  // namespace afbs
