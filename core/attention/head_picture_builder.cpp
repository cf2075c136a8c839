#include "core/attention/head_picture_builder.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/attention/block_sparse_attention.h"
#include "core/attention/mask_predictor.h"

namespace afbs {
namespace {

BlockRole kept_role(const MaskPredictor& predictor, const HeadSetting& setting, int64_t i,
                    int64_t j) {
  const BlockGeometry& geometry = predictor.geometry();
  if (j == 0 || j >= geometry.first_diagonal_block(i)) return BlockRole::forced;
  if (setting.rule == SelectionRule::cumulative) {
    // The predictor keeps these whatever τ says (mask_predictor.h, "force").
    const float theta = static_cast<float>(setting.theta);
    if (!(predictor.query_coherence(0, i) > theta) || !(predictor.key_coherence(0, j) > theta))
      return BlockRole::kept_incoherent;
  }
  return BlockRole::kept;
}

// Row softmax of Ŝ over each query block's visible key blocks.
std::vector<float> pooled_attention(const MaskPredictor& predictor) {
  const BlockGeometry& geometry = predictor.geometry();
  const int64_t columns = geometry.key_blocks();
  std::vector<float> map(static_cast<size_t>(geometry.query_blocks() * columns), 0.0f);
  for (int64_t i = 0; i < geometry.query_blocks(); ++i) {
    const int64_t visible = geometry.visible_key_blocks(i);
    float row_max = -INFINITY;
    for (int64_t j = 0; j < visible; ++j)
      row_max = std::max(row_max, predictor.compressed_score(0, i, j));
    float total = 0.0f;
    float* row = map.data() + i * columns;
    for (int64_t j = 0; j < visible; ++j) {
      row[j] = std::exp(predictor.compressed_score(0, i, j) - row_max);
      total += row[j];
    }
    for (int64_t j = 0; j < visible; ++j)
      row[j] /= total;
  }
  return map;
}

}  // namespace

Result<HeadPicture> picture_head(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                 int64_t head, const HeadSetting& setting, int64_t length_tokens,
                                 BlockShape shape) {
  const std::string where = "head picture of head " + std::to_string(head);
  if (q.dim() != 3 || k.dim() != 3 || v.dim() != 3 || k.sizes() != v.sizes() || k.size(0) == 0 ||
      q.size(0) % k.size(0) != 0 || q.size(2) != k.size(2)) {
    return Error{where + ": q must be [Hq, n, D] and k, v [Hkv, n, D] with Hq a multiple of Hkv"};
  }
  if (head < 0 || head >= q.size(0)) {
    return Error{where + ": the layer has " + std::to_string(q.size(0)) + " query heads"};
  }
  if (length_tokens < 1 || length_tokens > q.size(1) || length_tokens > k.size(1)) {
    return Error{where + ": length " + std::to_string(length_tokens) +
                 " is not within the capture's " + std::to_string(q.size(1)) + " tokens"};
  }
  if (Status valid = check_head_setting(setting, where); !valid) return valid.error();
  try {
    const int64_t kv_head = head / (q.size(0) / k.size(0));
    const at::Tensor q_head = q.narrow(0, head, 1).narrow(1, 0, length_tokens).to(at::kFloat);
    const at::Tensor k_head = k.narrow(0, kv_head, 1).narrow(1, 0, length_tokens).to(at::kFloat);
    const at::Tensor v_head = v.narrow(0, kv_head, 1).narrow(1, 0, length_tokens).to(at::kFloat);
    auto predictor = MaskPredictor::build(q_head, k_head, shape);
    if (!predictor) return with_context(where, predictor.error());
    const BlockMask mask = predictor->predict(0, setting);
    const BlockGeometry& geometry = predictor->geometry();

    HeadPicture picture;
    picture.length_tokens = length_tokens;
    picture.query_blocks = geometry.query_blocks();
    picture.key_blocks = geometry.key_blocks();
    picture.sparsity = mask.sparsity();
    picture.pooled_attention = pooled_attention(*predictor);

    std::vector<uint8_t> pv_skipped(static_cast<size_t>(picture.query_blocks * picture.key_blocks));
    if (setting.lambda < kPvSkipOff) {
      HeadAttentionJob job;
      const double scale = attention_score_scale(q.size(2));
      job.q = (q_head[0] * static_cast<float>(scale)).contiguous();
      job.k = k_head[0].contiguous();
      job.v = v_head[0].contiguous();
      job.mask = &mask;
      job.lambda = setting.lambda;
      job.pv_skipped = &pv_skipped;
      picture.pv_skipped_blocks = run_block_sparse_attention({job}).front().skipped_blocks;
    }

    picture.roles.assign(pv_skipped.size(), BlockRole::hidden);
    for (int64_t i = 0; i < picture.query_blocks; ++i) {
      const int64_t visible = geometry.visible_key_blocks(i);
      for (int64_t j = 0; j < visible; ++j) {
        const int64_t at = i * picture.key_blocks + j;
        if (!mask.kept(i, j)) {
          picture.roles[at] = BlockRole::skipped;
        } else {
          picture.roles[at] =
              pv_skipped[at] ? BlockRole::pv_skipped : kept_role(*predictor, setting, i, j);
        }
      }
    }
    return picture;
  } catch (const std::exception& error) {
    return Error{where + ": " + error.what()};
  }
}

}  // namespace afbs
