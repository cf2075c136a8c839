#include "core/attention/attention_evaluator.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/attention/block_sparse_attention.h"
#include "core/attention/block_sparse_attention_aten.h"
#include "core/attention/mask_predictor.h"

namespace afbs {

struct AttentionEvaluator::Capture {
  at::Tensor q;         // [Hq, n_F, D] fp32 contiguous on the CPU, for prediction
  at::Tensor k;         // [Hkv, n_F, D] on the CPU, for prediction
  at::Tensor q_scaled;  // q / √D on the attention's device
  at::Tensor k_attend;  // k and v on the attention's device
  at::Tensor v_attend;
};

struct AttentionEvaluator::LengthCache {
  explicit LengthCache(MaskPredictor p) : predictor(std::move(p)) {}
  MaskPredictor predictor;
  at::Tensor dense;              // [Hq, n, D] on the attention's device
  std::vector<double> dense_l1;  // Σ|O_dense| per head
};

namespace {

std::string key_text(int layer, int window, int64_t length) {
  return "layer " + std::to_string(layer) + ", window " + std::to_string(window) +
         (length > 0 ? ", length " + std::to_string(length) : "");
}

Result<at::Tensor> as_heads(const at::Tensor& x, const char* name, const std::string& where) {
  at::Tensor heads = x;
  if (heads.dim() == 4 && heads.size(0) == 1) heads = heads.squeeze(0);
  if (heads.dim() != 3) {
    return Error{where + ": " + name + " must be [heads, tokens, head_dim] (or with a batch of 1)"};
  }
  if (!heads.is_floating_point() || !heads.device().is_cpu()) {
    return Error{where + ": " + name + " must be a floating-point CPU tensor"};
  }
  heads = heads.to(at::kFloat).contiguous();
  if (!at::isfinite(heads).all().item<bool>()) {
    return Error{where + ": " + name + " holds NaN or infinity"};
  }
  return heads;
}

double sum_abs(const at::Tensor& x) {  // sequential, so the same on every thread count
  if (!x.device().is_cpu()) return x.abs().sum(at::kDouble).item<double>();
  const float* values = x.data_ptr<float>();
  double total = 0.0;
  for (int64_t e = 0; e < x.numel(); ++e)
    total += std::fabs(values[e]);
  return total;
}

// The CPU reference block by block; elsewhere the whole-tensor ATen path.
std::vector<HeadAttentionTally> attend(const std::vector<HeadAttentionJob>& jobs) {
  if (jobs.empty() || jobs.front().q.device().is_cpu()) return run_block_sparse_attention(jobs);
  return run_block_sparse_attention_aten(jobs);
}

}  // namespace

AttentionEvaluator::AttentionEvaluator() : AttentionEvaluator(Options{}) {}
AttentionEvaluator::AttentionEvaluator(Options options) : options_(options) {}
AttentionEvaluator::~AttentionEvaluator() = default;

Status AttentionEvaluator::add_capture(int layer, int window, const at::Tensor& q,
                                       const at::Tensor& k, const at::Tensor& v) {
  const std::string where = "capture of " + key_text(layer, window, 0);
  if (!options_.blocks.supported()) {
    return Error{"attention evaluator: block shape " + options_.blocks.text() +
                 " is not one of 64x64, 128x64, 64x128"};
  }
  try {
    auto q_heads = as_heads(q, "q", where);
    if (!q_heads) return q_heads.error();
    auto k_heads = as_heads(k, "k", where);
    if (!k_heads) return k_heads.error();
    auto v_heads = as_heads(v, "v", where);
    if (!v_heads) return v_heads.error();
    if (k_heads->sizes() != v_heads->sizes() || q_heads->size(1) != k_heads->size(1) ||
        q_heads->size(2) != k_heads->size(2) || q_heads->size(0) % k_heads->size(0) != 0 ||
        q_heads->size(1) == 0) {
      return Error{where +
                   ": q, k, v disagree in tokens or head size, or the query heads are "
                   "not a multiple of the key/value heads"};
    }
    const at::Device device(options_.device);
    auto capture = std::make_unique<Capture>();
    capture->q = *q_heads;
    capture->k = *k_heads;
    capture->q_scaled = (*q_heads * static_cast<float>(attention_score_scale(q_heads->size(2))))
                            .contiguous()
                            .to(device);
    capture->k_attend = k_heads->to(device);
    capture->v_attend = v_heads->to(device);
    std::lock_guard lock(mutex_);
    for (auto it = caches_.begin(); it != caches_.end();) {
      const bool same = std::get<0>(it->first) == layer && std::get<1>(it->first) == window;
      it = same ? caches_.erase(it) : std::next(it);
    }
    captures_[{layer, window}] = std::move(capture);
    return {};
  } catch (const c10::Error& error) {  // libtorch's message, without its C++ backtrace
    return Error{where + ": " + error.what_without_backtrace()};
  } catch (const std::exception& error) {
    return Error{where + ": " + error.what()};
  }
}

void AttentionEvaluator::release_layer(int layer) {
  std::lock_guard lock(mutex_);
  std::erase_if(captures_, [layer](const auto& entry) { return entry.first.first == layer; });
  std::erase_if(caches_, [layer](const auto& entry) { return std::get<0>(entry.first) == layer; });
}

Result<std::shared_ptr<const AttentionEvaluator::LengthCache>> AttentionEvaluator::length_cache(
    const Capture& capture, const LengthKey& key) {
  if (options_.cache) {
    auto found = caches_.find(key);
    if (found != caches_.end()) return found->second;
  }
  const int64_t length = std::get<2>(key);
  auto predictor = MaskPredictor::build(capture.q.narrow(1, 0, length),
                                        capture.k.narrow(1, 0, length), options_.blocks);
  if (!predictor) return predictor.error();
  auto cache = std::make_shared<LengthCache>(std::move(*predictor));
  const int64_t heads = capture.q.size(0), dim = capture.q.size(2);
  cache->dense = at::empty({heads, length, dim}, capture.q_scaled.options());
  const BlockMask full = BlockMask::full(cache->predictor.geometry());
  std::vector<HeadAttentionJob> jobs;
  for (int64_t h = 0; h < heads; ++h) {
    const int64_t g = cache->predictor.kv_head_of(h);
    HeadAttentionJob job;
    job.q = capture.q_scaled[h].narrow(0, 0, length);
    job.k = capture.k_attend[g].narrow(0, 0, length);
    job.v = capture.v_attend[g].narrow(0, 0, length);
    job.mask = &full;
    job.lambda = kPvSkipOff;
    job.output = cache->dense[h];
    jobs.push_back(job);
  }
  attend(jobs);
  for (int64_t h = 0; h < heads; ++h)
    cache->dense_l1.push_back(sum_abs(cache->dense[h]));
  if (options_.cache) caches_[key] = cache;
  return std::shared_ptr<const LengthCache>(cache);
}

Result<std::vector<HeadMetrics>> AttentionEvaluator::evaluate(
    int layer, int window, int64_t length, const std::vector<HeadRequest>& requests) {
  const std::string where = "evaluating " + key_text(layer, window, length);
  std::lock_guard lock(mutex_);
  const auto found = captures_.find({layer, window});
  if (found == captures_.end()) return Error{where + ": no capture registered for it"};
  const Capture& capture = *found->second;
  const int64_t top_length = capture.q.size(1), heads = capture.q.size(0);
  if (length < 1 || length > top_length) {
    return Error{where + ": length must lie in [1, " + std::to_string(top_length) + "]"};
  }
  for (const HeadRequest& request : requests) {
    if (request.head < 0 || request.head >= heads) {
      return Error{where + ": head " + std::to_string(request.head) + " is not in [0, " +
                   std::to_string(heads) + ")"};
    }
    Status valid =
        check_head_setting(request.setting, where + ", head " + std::to_string(request.head));
    if (!valid) return valid.error();
  }
  try {
    auto cache = length_cache(capture, {layer, window, length});
    if (!cache) return with_context(where, cache.error());
    const LengthCache& cached = **cache;
    std::vector<BlockMask> masks;
    masks.reserve(requests.size());
    for (const HeadRequest& request : requests) {
      masks.push_back(cached.predictor.predict(request.head, request.setting));
    }
    std::vector<HeadAttentionJob> jobs;
    for (size_t n = 0; n < requests.size(); ++n) {
      const int64_t h = requests[n].head, g = cached.predictor.kv_head_of(h);
      HeadAttentionJob job;
      job.q = capture.q_scaled[h].narrow(0, 0, length);
      job.k = capture.k_attend[g].narrow(0, 0, length);
      job.v = capture.v_attend[g].narrow(0, 0, length);
      job.mask = &masks[n];
      job.lambda = requests[n].setting.lambda;
      job.dense_reference = cached.dense[h];
      jobs.push_back(job);
    }
    const std::vector<HeadAttentionTally> tallies = attend(jobs);
    const int64_t causal = cached.predictor.geometry().causal_blocks();
    std::vector<HeadMetrics> metrics(requests.size());
    for (size_t n = 0; n < requests.size(); ++n) {
      const HeadAttentionTally& tally = tallies[n];
      const double dense_l1 = cached.dense_l1[requests[n].head];
      HeadMetrics& m = metrics[n];
      m.kept_blocks = tally.kept_blocks;
      m.causal_blocks = causal;
      m.skipped_blocks = tally.skipped_blocks;
      m.sparsity = 1.0 - static_cast<double>(tally.kept_blocks) / static_cast<double>(causal);
      m.skip_rate =
          static_cast<double>(tally.skipped_blocks) / static_cast<double>(tally.kept_blocks);
      m.error = dense_l1 > 0.0               ? tally.l1_difference / dense_l1
                : tally.l1_difference == 0.0 ? 0.0
                                             : std::numeric_limits<double>::infinity();
    }
    counts_.evaluations += static_cast<int64_t>(requests.size());
    counts_.squared_length_sum +=
        static_cast<double>(requests.size()) * static_cast<double>(length) * length;
    return metrics;
  } catch (const c10::Error& error) {  // libtorch's message, without its C++ backtrace
    return Error{where + ": " + error.what_without_backtrace()};
  } catch (const std::exception& error) {
    return Error{where + ": " + error.what()};
  }
}

Result<std::vector<HeadMetrics>> AttentionEvaluator::evaluate_all_heads(
    int layer, int window, int64_t length, const std::vector<HeadSetting>& settings) {
  std::vector<HeadRequest> requests;
  for (size_t h = 0; h < settings.size(); ++h) {
    requests.push_back({static_cast<int>(h), settings[h]});
  }
  return evaluate(layer, window, length, requests);
}

EvaluationCounts AttentionEvaluator::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void AttentionEvaluator::reset_counts() {
  std::lock_guard lock(mutex_);
  counts_ = {};
}

}  // namespace afbs
