#include "core/attention/attention_evaluator.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

#include "core/attention/block_sparse_attention.h"
#include "core/attention/block_sparse_attention_aten.h"
#include "core/attention/cuda_attention.h"
#include "core/attention/cuda_device_stats.h"
#include "core/attention/mask_predictor.h"
#include "core/model/torch_errors.h"

namespace afbs {

struct AttentionEvaluator::Capture {
  at::Tensor q;         // [Hq, n_F, D] fp32 contiguous on the CPU, for prediction
  at::Tensor k;         // [Hkv, n_F, D] on the CPU, for prediction
  at::Tensor q_scaled;  // q / √D on the attention's device
  at::Tensor k_attend;  // k and v on the attention's device
  at::Tensor v_attend;
  // On the kernel path: q_scaled, k_attend and v_attend hold q, k, v unscaled in the kernels'
  // dtype on the device, and q, k are the same tensors (nothing is kept on the CPU).
  bool kernels = false;
  int64_t bytes = 0;  // memory of the tensors above, host and device (a shared storage once)
};

struct AttentionEvaluator::LengthCache {
  BlockGeometry geometry;
  int64_t group = 1;                               // query heads per KV head
  std::optional<MaskPredictor> predictor;          // the CPU reference's, off the kernel path
  std::optional<CudaMaskPredictor> gpu_predictor;  // on the kernel path
  at::Tensor dense;                                // [Hq, n, D] fp32 on the attention's device
  std::vector<double> dense_l1;                    // Σ|O_dense| per head
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
  if (!heads.is_floating_point()) {
    return Error{where + ": " + name + " must be a floating-point tensor"};
  }
  return heads;
}

// The largest |x| (NaN or infinity where x holds one: amax propagates NaN), one reduction on
// x's own device.
float largest_magnitude(const at::Tensor& x) {
  return x.numel() == 0 ? 0.0f : x.abs().amax().item<float>();
}

Status check_finite(const char* name, float largest, const std::string& where) {
  if (std::isfinite(largest)) return {};
  return Error{where + ": " + name + " holds NaN or infinity"};
}

double sum_abs(const at::Tensor& x) {  // sequential, so the same on every thread count
  if (!x.device().is_cpu()) return x.abs().sum(at::kDouble).item<double>();
  const float* values = x.data_ptr<float>();
  double total = 0.0;
  for (int64_t e = 0; e < x.numel(); ++e)
    total += std::fabs(values[e]);
  return total;
}

double seconds_since(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

int64_t bytes_of(const std::vector<at::Tensor>& tensors) {
  std::vector<const void*> seen;
  int64_t bytes = 0;
  for (const at::Tensor& t : tensors) {
    if (!t.defined()) continue;
    const void* storage = t.storage().data_ptr().get();
    if (std::find(seen.begin(), seen.end(), storage) != seen.end()) continue;
    seen.push_back(storage);
    bytes += static_cast<int64_t>(t.storage().nbytes());
  }
  return bytes;
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
    const int64_t dim = q_heads->size(2);
    capture->kernels = options_.kernels && device.is_cuda() && cuda_kernels_compiled() &&
                       (dim == 64 || dim == 128);
    const float q_peak = largest_magnitude(*q_heads), k_peak = largest_magnitude(*k_heads),
                v_peak = largest_magnitude(*v_heads);
    for (const auto& [name, peak] : {std::pair{"q", q_peak}, {"k", k_peak}, {"v", v_peak}}) {
      if (Status finite = check_finite(name, peak, where); !finite) return finite;
    }
    if (capture->kernels) {
      // One dtype for all three (fp16 when every value fits, else bf16), made on the device.
      const bool fits = std::max({q_peak, k_peak, v_peak}) < 60000.0f;
      const at::ScalarType dtype = fits ? at::kHalf : at::kBFloat16;
      capture->q_scaled = q_heads->to(device, dtype).contiguous();
      capture->k_attend = k_heads->to(device, dtype).contiguous();
      capture->v_attend = v_heads->to(device, dtype).contiguous();
      capture->q = capture->q_scaled;
      capture->k = capture->k_attend;
    } else {
      const auto host_f32 = [](const at::Tensor& x) {
        return x.to(at::kCPU, at::kFloat).contiguous();
      };
      capture->q = host_f32(*q_heads);
      capture->k = host_f32(*k_heads);
      capture->q_scaled =
          (capture->q * static_cast<float>(attention_score_scale(dim))).contiguous().to(device);
      capture->k_attend = capture->k.to(device);
      capture->v_attend = host_f32(*v_heads).to(device);
    }
    capture->bytes =
        bytes_of({capture->q, capture->k, capture->q_scaled, capture->k_attend, capture->v_attend});
    std::lock_guard lock(mutex_);
    for (auto it = caches_.begin(); it != caches_.end();) {
      const bool same = std::get<0>(it->first) == layer && std::get<1>(it->first) == window;
      it = same ? caches_.erase(it) : std::next(it);
    }
    std::unique_ptr<Capture>& slot = captures_[{layer, window}];
    if (slot) held_capture_bytes_ -= slot->bytes;
    held_capture_bytes_ += capture->bytes;
    peak_capture_bytes_ = std::max(peak_capture_bytes_, held_capture_bytes_);
    slot = std::move(capture);
    return {};
  } catch (const std::exception& error) {  // libtorch's message, marked when out of memory
    return torch_error(where, error);
  }
}

void AttentionEvaluator::release_layer(int layer) {
  std::lock_guard lock(mutex_);
  for (const auto& [key, capture] : captures_) {
    if (key.first == layer) held_capture_bytes_ -= capture->bytes;
  }
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
  auto cache = std::make_shared<LengthCache>();
  cache->geometry = BlockGeometry(length, options_.blocks);
  const int64_t heads = capture.q.size(0), dim = capture.q.size(2);
  cache->group = heads / capture.k.size(0);
  if (capture.kernels) {
    const at::Tensor q = capture.q_scaled.narrow(1, 0, length);
    const at::Tensor k = capture.k_attend.narrow(1, 0, length);
    auto predictor = CudaMaskPredictor::build(q, k, options_.blocks);
    if (!predictor) return predictor.error();
    cache->gpu_predictor = std::move(*predictor);
    KernelAttentionRequest dense;
    dense.q = q;
    dense.k = k;
    dense.v = capture.v_attend.narrow(1, 0, length);
    dense.blocks = options_.blocks;
    dense.output = false;
    dense.output_f32 = true;
    auto result = run_kernel_attention(dense);
    if (!result) return result.error();
    cache->dense = result->output_f32;
    const at::Tensor l1 = cache->dense.abs().sum({1, 2}, false, at::kDouble).cpu();
    for (int64_t h = 0; h < heads; ++h)
      cache->dense_l1.push_back(l1[h].item<double>());
    if (options_.cache) caches_[key] = cache;
    return std::shared_ptr<const LengthCache>(cache);
  }
  auto predictor = MaskPredictor::build(capture.q.narrow(1, 0, length),
                                        capture.k.narrow(1, 0, length), options_.blocks);
  if (!predictor) return predictor.error();
  cache->predictor = std::move(*predictor);
  cache->dense = at::empty({heads, length, dim}, capture.q_scaled.options());
  const BlockMask full = BlockMask::full(cache->geometry);
  std::vector<HeadAttentionJob> jobs;
  for (int64_t h = 0; h < heads; ++h) {
    const int64_t g = h / cache->group;
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
    throw_if_memory_fault(MemoryFaultSite::Evaluate, layer, length);
    const auto started = std::chrono::steady_clock::now();
    auto cache = length_cache(capture, {layer, window, length});
    if (!cache) return with_context(where, cache.error());
    const double reference = seconds_since(started);  // ~0 when cached
    seconds_.reference += reference;
    if (!capture.q_scaled.device().is_cpu()) seconds_.device += reference;
    const LengthCache& cached = **cache;
    const std::vector<HeadAttentionTally> tallies =
        capture.kernels ? attend_on_kernels(capture, cached, length, requests)
                        : attend_on_reference(capture, cached, length, requests);
    const int64_t causal = cached.geometry.causal_blocks();
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
  } catch (const std::exception& error) {  // libtorch's message, marked when out of memory
    return torch_error(where, error);
  }
}

std::vector<HeadAttentionTally> AttentionEvaluator::attend_on_reference(
    const Capture& capture, const LengthCache& cached, int64_t length,
    const std::vector<HeadRequest>& requests) {
  const auto predict_started = std::chrono::steady_clock::now();
  std::vector<BlockMask> masks;
  masks.reserve(requests.size());
  for (const HeadRequest& request : requests)
    masks.push_back(cached.predictor->predict(request.head, request.setting));
  seconds_.predict += seconds_since(predict_started);  // on the CPU, wherever attention runs
  std::vector<HeadAttentionJob> jobs;
  for (size_t n = 0; n < requests.size(); ++n) {
    const int64_t h = requests[n].head, g = h / cached.group;
    HeadAttentionJob job;
    job.q = capture.q_scaled[h].narrow(0, 0, length);
    job.k = capture.k_attend[g].narrow(0, 0, length);
    job.v = capture.v_attend[g].narrow(0, 0, length);
    job.mask = &masks[n];
    job.lambda = requests[n].setting.lambda;
    job.dense_reference = cached.dense[h];
    jobs.push_back(job);
  }
  const auto attend_started = std::chrono::steady_clock::now();
  std::vector<HeadAttentionTally> tallies = attend(jobs);  // host tallies: the device is done
  const double attended = seconds_since(attend_started);
  seconds_.attend += attended;
  if (!capture.q_scaled.device().is_cpu()) seconds_.device += attended;
  return tallies;
}

// Masks predicted and attention run by our kernels, one launch each for the whole call; only
// per-job sums come back to the host.
std::vector<HeadAttentionTally> AttentionEvaluator::attend_on_kernels(
    const Capture& capture, const LengthCache& cached, int64_t length,
    const std::vector<HeadRequest>& requests) {
  // Events on the stream split the device's time between prediction and attention without
  // a host wait in between; the one wait is the sums' copy below.
  const auto started = std::chrono::steady_clock::now();
  const c10::Device device = capture.q_scaled.device();
  const DeviceMark before_predict(device);
  auto masks = cached.gpu_predictor->predict(requests);
  if (!masks) throw std::runtime_error(masks.error().message);
  const DeviceMark after_predict(device);
  KernelAttentionRequest request;
  request.q = capture.q_scaled.narrow(1, 0, length);
  request.k = capture.k_attend.narrow(1, 0, length);
  request.v = capture.v_attend.narrow(1, 0, length);
  request.blocks = options_.blocks;
  request.masks = &*masks;
  for (const HeadRequest& r : requests) {
    request.heads.push_back(r.head);
    request.lambdas.push_back(static_cast<float>(r.setting.lambda));
  }
  request.dense = cached.dense;
  request.output = false;
  auto result = run_kernel_attention(request);
  if (!result) throw std::runtime_error(result.error().message);
  const at::Tensor sums = at::stack({masks->counts.sum(1, false, at::kDouble),
                                     result->row_skipped.sum(1, false, at::kDouble),
                                     result->row_l1.sum(1, false, at::kDouble)})
                              .cpu();
  const double* s = sums.data_ptr<double>();
  const size_t jobs = requests.size();
  std::vector<HeadAttentionTally> tallies(jobs);
  for (size_t n = 0; n < jobs; ++n) {
    tallies[n].kept_blocks = static_cast<int64_t>(s[n]);
    tallies[n].skipped_blocks = static_cast<int64_t>(s[jobs + n]);
    tallies[n].l1_difference = s[2 * jobs + n];
  }
  const double elapsed = seconds_since(started);  // .cpu() above waited for the device
  const double predicted =
      std::min(elapsed, after_predict.seconds_after(before_predict).value_or(0.0));
  seconds_.predict += predicted;
  seconds_.attend += elapsed - predicted;
  seconds_.device += elapsed;
  return tallies;
}

Result<std::vector<HeadMetrics>> AttentionEvaluator::evaluate_all_heads(
    int layer, int window, int64_t length, const std::vector<HeadSetting>& settings) {
  std::vector<HeadRequest> requests;
  for (size_t h = 0; h < settings.size(); ++h) {
    requests.push_back({static_cast<int>(h), settings[h]});
  }
  return evaluate(layer, window, length, requests);
}

Result<AttentionEvaluator::CapturedTensors> AttentionEvaluator::captured(int layer,
                                                                         int window) const {
  std::lock_guard lock(mutex_);
  const auto found = captures_.find({layer, window});
  if (found == captures_.end()) {
    return Error{"no Q/K/V captured for layer " + std::to_string(layer) + ", window " +
                 std::to_string(window)};
  }
  const Capture& capture = *found->second;
  try {
    return CapturedTensors{capture.q.to(at::kFloat), capture.k.to(at::kFloat),
                           capture.v_attend.to(at::kCPU, at::kFloat)};
  } catch (const c10::Error& error) {
    return Error{"layer " + std::to_string(layer) + ": " + error.what_without_backtrace()};
  }
}

EvaluationCounts AttentionEvaluator::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

EvaluatorSeconds AttentionEvaluator::seconds() const {
  std::lock_guard lock(mutex_);
  return seconds_;
}

int64_t AttentionEvaluator::held_capture_bytes() const {
  std::lock_guard lock(mutex_);
  return held_capture_bytes_;
}

int64_t AttentionEvaluator::peak_capture_bytes() const {
  std::lock_guard lock(mutex_);
  return peak_capture_bytes_;
}

void AttentionEvaluator::reset_counts() {
  std::lock_guard lock(mutex_);
  counts_ = {};
}

}  // namespace afbs
