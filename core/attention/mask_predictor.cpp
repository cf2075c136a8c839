#include "core/attention/mask_predictor.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "core/model/torch_errors.h"

namespace afbs {
namespace {

struct BlockSummary {
  at::Tensor pooled;             // [H, blocks, D]
  std::vector<float> coherence;  // [H × blocks]; −∞ for a partial last block
};

// Mean-pools the blocks of x [H, n, D] and measures each full block's coherence.
BlockSummary summarize_blocks(const at::Tensor& x, int64_t block) {
  const int64_t heads = x.size(0), length = x.size(1), dim = x.size(2);
  const int64_t full = length / block, blocks = (length + block - 1) / block;
  BlockSummary summary;
  summary.coherence.assign(static_cast<size_t>(heads * blocks),
                           -std::numeric_limits<float>::infinity());
  std::vector<at::Tensor> pooled_parts;
  if (full > 0) {
    const at::Tensor rows = x.narrow(1, 0, full * block).reshape({heads, full, block, dim});
    pooled_parts.push_back(rows.mean(2));
    const at::Tensor unit = rows / rows.norm(2, {3}, true).clamp_min(1e-30);
    const at::Tensor summed = unit.sum(2);
    const at::Tensor coherence =
        ((summed * summed).sum(2) / static_cast<float>(block * block)).clamp_max(1.0f).contiguous();
    const float* values = coherence.data_ptr<float>();
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t b = 0; b < full; ++b)
        summary.coherence[h * blocks + b] = values[h * full + b];
    }
  }
  if (blocks > full) {
    pooled_parts.push_back(x.narrow(1, full * block, length - full * block).mean(1, true));
  }
  summary.pooled = at::cat(pooled_parts, 1).contiguous();
  return summary;
}

std::string shape_text(const at::Tensor& x) {
  std::string text = "[";
  for (int64_t d = 0; d < x.dim(); ++d)
    text += (d ? ", " : "") + std::to_string(x.size(d));
  return text + "]";
}

}  // namespace

Result<MaskPredictor> MaskPredictor::build(const at::Tensor& q, const at::Tensor& k,
                                           BlockShape shape) {
  if (q.dim() != 3 || k.dim() != 3 || q.size(1) != k.size(1) || q.size(2) != k.size(2) ||
      k.size(0) == 0 || q.size(0) % k.size(0) != 0 || q.size(1) == 0) {
    return Error{
        "mask prediction: q must be [Hq, n, D] and k [Hkv, n, D] with Hq a multiple "
        "of Hkv and n > 0; got q " +
        shape_text(q) + " and k " + shape_text(k)};
  }
  if (!shape.supported()) {
    return Error{"mask prediction: block shape " + shape.text() +
                 " is not one of 64x64, 128x64, 64x128"};
  }
  try {
    MaskPredictor predictor;
    predictor.geometry_ = BlockGeometry(q.size(1), shape);
    predictor.query_heads_ = q.size(0);
    predictor.kv_heads_ = k.size(0);
    const at::Tensor q32 = q.to(at::kFloat);
    const at::Tensor k32 = k.to(at::kFloat);
    const at::Tensor smoothed = k32 - k32.mean(1, true);
    BlockSummary q_summary = summarize_blocks(q32, shape.query);
    BlockSummary k_summary = summarize_blocks(smoothed, shape.key);
    predictor.query_coherence_ = std::move(q_summary.coherence);
    predictor.key_coherence_ = std::move(k_summary.coherence);

    const int64_t hq = predictor.query_heads_, hkv = predictor.kv_heads_;
    const int64_t nq = predictor.geometry_.query_blocks(), nk = predictor.geometry_.key_blocks();
    const int64_t dim = q.size(2), group = hq / hkv;
    const float inverse_sqrt_dim = 1.0f / std::sqrt(static_cast<float>(dim));
    const at::Tensor scores =
        at::bmm(q_summary.pooled.view({hkv, group * nq, dim}), k_summary.pooled.transpose(1, 2))
            .mul_(inverse_sqrt_dim)
            .contiguous();
    const float* score_values = scores.data_ptr<float>();
    predictor.scores_.assign(score_values, score_values + hq * nq * nk);

    predictor.sorted_columns_.assign(static_cast<size_t>(hq * nq * nk), 0);
    for (int64_t h = 0; h < hq; ++h) {
      for (int64_t i = 0; i < nq; ++i) {
        const int64_t offset = predictor.row_offset(h, i);
        const float* row = predictor.scores_.data() + offset;
        int32_t* order = predictor.sorted_columns_.data() + offset;
        const int64_t visible = predictor.geometry_.visible_key_blocks(i);
        std::iota(order, order + visible, 0);
        std::stable_sort(order, order + visible,
                         [row](int32_t a, int32_t b) { return row[a] > row[b]; });
      }
    }
    return predictor;
  } catch (const std::exception& error) {
    return torch_error("mask prediction", error);
  }
}

float MaskPredictor::query_coherence(int64_t head, int64_t block) const {
  return query_coherence_[head * geometry_.query_blocks() + block];
}

float MaskPredictor::key_coherence(int64_t kv_head, int64_t block) const {
  return key_coherence_[kv_head * geometry_.key_blocks() + block];
}

float MaskPredictor::compressed_score(int64_t head, int64_t i, int64_t j) const {
  return scores_[row_offset(head, i) + j];
}

BlockMask MaskPredictor::predict(int64_t head, const HeadSetting& setting) const {
  BlockMask mask(geometry_);
  std::vector<uint8_t> keep(static_cast<size_t>(geometry_.key_blocks()));
  std::vector<int32_t> columns;
  for (int64_t i = 0; i < geometry_.query_blocks(); ++i) {
    const int64_t visible = geometry_.visible_key_blocks(i);
    std::fill(keep.begin(), keep.end(), 0);
    switch (setting.rule) {
      case SelectionRule::dense:
        std::fill(keep.begin(), keep.begin() + visible, 1);
        break;
      case SelectionRule::cumulative:
        select_cumulative(head, i, setting, keep);
        break;
      case SelectionRule::top_fraction:
        select_top_fraction(head, i, setting.rule_parameter, keep);
        break;
      case SelectionRule::sliding_window:
        select_window(i, setting.rule_parameter, keep);
        break;
    }
    keep[0] = 1;  // the attention sink
    for (int64_t j = geometry_.first_diagonal_block(i); j < visible; ++j)
      keep[j] = 1;
    columns.clear();
    for (int64_t j = 0; j < visible; ++j) {
      if (keep[j]) columns.push_back(static_cast<int32_t>(j));
    }
    mask.append_row(columns);
  }
  return mask;
}

void MaskPredictor::select_cumulative(int64_t head, int64_t i, const HeadSetting& setting,
                                      std::vector<uint8_t>& keep) const {
  const int64_t visible = geometry_.visible_key_blocks(i);
  const float theta = static_cast<float>(setting.theta);
  if (!(query_coherence(head, i) > theta)) {  // incoherent Q block: its whole row
    std::fill(keep.begin(), keep.begin() + visible, 1);
    return;
  }
  const int64_t kv_head = kv_head_of(head);
  const float* row = scores_.data() + row_offset(head, i);
  const int32_t* order = sorted_columns_.data() + row_offset(head, i);
  thread_local std::vector<float> weights;
  thread_local std::vector<int32_t> coherent_columns;
  weights.clear();
  coherent_columns.clear();
  for (int64_t r = 0; r < visible; ++r) {
    const int32_t j = order[r];
    if (key_coherence(kv_head, j) > theta) {
      coherent_columns.push_back(j);
    } else {
      keep[j] = 1;  // incoherent K column: always kept, left out of the softmax
    }
  }
  if (coherent_columns.empty()) return;
  const float row_max = row[coherent_columns.front()];
  float total = 0.0f;
  for (int32_t j : coherent_columns) {
    weights.push_back(std::exp(row[j] - row_max));
    total += weights.back();
  }
  const float bound = static_cast<float>(setting.tau) * total;
  float cumulative = 0.0f;
  for (size_t r = 0; r < coherent_columns.size(); ++r) {
    cumulative += weights[r];
    if (r > 0 && !(cumulative <= bound)) break;
    keep[coherent_columns[r]] = 1;
  }
}

void MaskPredictor::select_top_fraction(int64_t head, int64_t i, double fraction,
                                        std::vector<uint8_t>& keep) const {
  const int64_t visible = geometry_.visible_key_blocks(i);
  const auto wanted = static_cast<int64_t>(std::ceil(fraction * visible - 1e-9));
  const int64_t count = std::clamp<int64_t>(wanted, 1, visible);
  const int32_t* order = sorted_columns_.data() + row_offset(head, i);
  for (int64_t r = 0; r < count; ++r)
    keep[order[r]] = 1;
}

void MaskPredictor::select_window(int64_t i, double tokens, std::vector<uint8_t>& keep) const {
  const int64_t visible = geometry_.visible_key_blocks(i);
  for (int64_t j = 0; j < visible; ++j) {
    if (geometry_.in_window(i, j, tokens)) keep[j] = 1;
  }
}

}  // namespace afbs
