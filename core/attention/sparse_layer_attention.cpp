#include "core/attention/sparse_layer_attention.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/attention/block_sparse_attention.h"
#include "core/attention/block_sparse_attention_aten.h"
#include "core/attention/cuda_attention.h"
#include "core/attention/mask_predictor.h"

namespace afbs {

SparseLayerAttention::SparseLayerAttention(SparseConfig config, LayerAttention* dense)
    : config_(std::move(config)), dense_(dense) {
  reset_tallies();
}

bool SparseLayerAttention::layer_is_dense(int layer) const {
  for (int64_t h = 0; h < config_.model.heads; ++h) {
    const HeadSetting s = config_.setting(layer, h);
    const bool dense_mask =
        s.rule == SelectionRule::dense ||
        (s.rule == SelectionRule::cumulative && (s.theta >= 1.0 || s.tau >= 1.0));
    if (!dense_mask || s.lambda < kPvSkipOff) return false;
  }
  return true;
}

at::Tensor SparseLayerAttention::attend(int layer, const at::Tensor& q, const at::Tensor& k,
                                        const at::Tensor& v) {
  const std::string where = "sparse attention, layer " + std::to_string(layer);
  if (layer < 0 || layer >= static_cast<int>(config_.layers.size())) {
    throw std::invalid_argument(where + ": the config has " +
                                std::to_string(config_.layers.size()) + " layers");
  }
  if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4 || q.size(1) != config_.model.heads ||
      k.size(1) == 0 || q.size(1) % k.size(1) != 0) {
    throw std::invalid_argument(where + ": q must be [B, " + std::to_string(config_.model.heads) +
                                ", L, D] and k, v [B, Hkv, L, D] with Hkv dividing the heads");
  }
  const int64_t batch = q.size(0), heads = q.size(1), length = q.size(2), dim = q.size(3);
  const int64_t causal = BlockGeometry(length, config_.blocks).causal_blocks();
  if (dense_ != nullptr && layer_is_dense(layer)) {
    std::lock_guard lock(mutex_);
    for (HeadTally& tally : tallies_[layer]) {
      tally.kept_blocks += batch * causal;
      tally.causal_blocks += batch * causal;
    }
    return dense_->attend(layer, q, k, v);
  }

  std::vector<HeadSetting> settings;
  for (int64_t h = 0; h < heads; ++h)
    settings.push_back(config_.setting(layer, h));
  if (q.is_cuda() && cuda_kernels_compiled() && (dim == 64 || dim == 128)) {
    return attend_on_kernels(layer, q, k, v, settings);
  }

  // Masks are predicted on the CPU (the reference); the attention runs where q lives: the
  // CPU reference block by block, or the whole-tensor ATen path on a GPU.
  const at::Tensor q32 = q.to(at::kCPU, at::kFloat).contiguous();
  const at::Tensor k32 = k.to(at::kCPU, at::kFloat).contiguous();
  const at::Device where_attending = q.device();
  const at::Tensor q_scaled =
      (q.to(where_attending, at::kFloat) * static_cast<float>(attention_score_scale(dim)))
          .contiguous();
  const at::Tensor k_attend = where_attending.is_cpu() ? k32 : k.to(at::kFloat).contiguous();
  const at::Tensor v_attend = v.to(where_attending, at::kFloat).contiguous();
  at::Tensor out = at::empty({batch, heads, length, dim}, q_scaled.options());

  std::vector<BlockMask> masks;
  masks.reserve(static_cast<size_t>(batch * heads));
  std::vector<HeadAttentionJob> jobs;
  for (int64_t b = 0; b < batch; ++b) {
    auto predictor = MaskPredictor::build(q32[b], k32[b], config_.blocks);
    if (!predictor) throw std::invalid_argument(where + ": " + predictor.error().message);
    for (int64_t h = 0; h < heads; ++h) {
      masks.push_back(predictor->predict(h, settings[h]));
      const int64_t g = predictor->kv_head_of(h);
      HeadAttentionJob job;
      job.q = q_scaled[b][h];
      job.k = k_attend[b][g];
      job.v = v_attend[b][g];
      job.mask = &masks.back();
      job.lambda = settings[h].lambda;
      job.output = out[b][h];
      jobs.push_back(job);
    }
  }
  const std::vector<HeadAttentionTally> results = where_attending.is_cpu()
                                                      ? run_block_sparse_attention(jobs)
                                                      : run_block_sparse_attention_aten(jobs);
  {
    std::lock_guard lock(mutex_);
    for (size_t n = 0; n < results.size(); ++n) {
      HeadTally& tally = tallies_[layer][n % static_cast<size_t>(heads)];
      tally.kept_blocks += results[n].kept_blocks;
      tally.causal_blocks += causal;
      tally.skipped_blocks += results[n].skipped_blocks;
    }
  }
  return out.to(q.device(), q.scalar_type());
}

// Our kernels on the model's device: the batch folds into the heads ([B·H, L, D]), masks are
// predicted there for every head in one launch and attention runs in fp16/bf16 (an fp32
// model's q, k, v are converted, its output converted back).
at::Tensor SparseLayerAttention::attend_on_kernels(int layer, const at::Tensor& q,
                                                   const at::Tensor& k, const at::Tensor& v,
                                                   const std::vector<HeadSetting>& settings) {
  const std::string where = "sparse attention, layer " + std::to_string(layer);
  const int64_t batch = q.size(0), heads = q.size(1), length = q.size(2), dim = q.size(3);
  const int64_t kv_heads = k.size(1);
  const at::Tensor q_heads = q.reshape({batch * heads, length, dim}).contiguous();
  const at::Tensor k_heads = k.reshape({batch * kv_heads, length, dim}).contiguous();
  const at::Tensor v_heads = v.reshape({batch * kv_heads, length, dim}).contiguous();
  // A layer of windows (and dense heads) needs no Ŝ: its masks skip reading Q and K.
  const bool scores = std::any_of(settings.begin(), settings.end(), [](const HeadSetting& s) {
    return CudaMaskPredictor::needs_scores(s);
  });
  auto predictor =
      CudaMaskPredictor::build(q_heads, k_heads, config_.blocks, SettingsPerHead::one, scores);
  if (!predictor) throw std::invalid_argument(where + ": " + predictor.error().message);
  std::vector<HeadRequest> requests;
  KernelAttentionRequest request;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t h = 0; h < heads; ++h) {
      requests.push_back({static_cast<int>(b * heads + h), settings[h]});
      request.lambdas.push_back(static_cast<float>(settings[h].lambda));
    }
  }
  auto masks = predictor->predict(requests);
  if (!masks) throw std::invalid_argument(where + ": " + masks.error().message);
  const bool half = q.scalar_type() == at::kHalf || q.scalar_type() == at::kBFloat16;
  const at::ScalarType dtype = half ? q.scalar_type() : at::kHalf;
  request.q = q_heads.to(dtype);
  request.k = k_heads.to(dtype);
  request.v = v_heads.to(dtype);
  request.blocks = config_.blocks;
  request.masks = &*masks;
  auto result = run_kernel_attention(request);
  if (!result) throw std::invalid_argument(where + ": " + result.error().message);
  const at::Tensor sums = at::stack({masks->counts.sum(1, false, at::kLong),
                                     result->row_skipped.sum(1, false, at::kLong)})
                              .cpu();
  const int64_t causal = BlockGeometry(length, config_.blocks).causal_blocks();
  {
    std::lock_guard lock(mutex_);
    for (int64_t t = 0; t < batch * heads; ++t) {
      HeadTally& tally = tallies_[layer][t % heads];
      tally.kept_blocks += sums[0][t].item<int64_t>();
      tally.causal_blocks += causal;
      tally.skipped_blocks += sums[1][t].item<int64_t>();
    }
  }
  return result->output.view({batch, heads, length, dim}).to(q.scalar_type());
}

std::vector<std::vector<SparseLayerAttention::HeadTally>> SparseLayerAttention::tallies() const {
  std::lock_guard lock(mutex_);
  return tallies_;
}

double SparseLayerAttention::mean_sparsity() const {
  std::lock_guard lock(mutex_);
  double total = 0.0;
  int64_t count = 0;
  for (const auto& layer : tallies_) {
    for (const HeadTally& tally : layer) {
      if (tally.causal_blocks == 0) continue;
      total += 1.0 - static_cast<double>(tally.kept_blocks) / tally.causal_blocks;
      ++count;
    }
  }
  return count == 0 ? 0.0 : total / static_cast<double>(count);
}

double SparseLayerAttention::skip_rate() const {
  std::lock_guard lock(mutex_);
  int64_t kept = 0, skipped = 0;
  for (const auto& layer : tallies_) {
    for (const HeadTally& tally : layer) {
      kept += tally.kept_blocks;
      skipped += tally.skipped_blocks;
    }
  }
  return kept == 0 ? 0.0 : static_cast<double>(skipped) / static_cast<double>(kept);
}

void SparseLayerAttention::reset_tallies() {
  std::lock_guard lock(mutex_);
  tallies_.assign(config_.layers.size(),
                  std::vector<HeadTally>(static_cast<size_t>(config_.model.heads)));
}

}  // namespace afbs
