#pragma once

// The tuners' only door to attention: scores settings of a layer's heads on captured
// Q/K/V (DESIGN.md §3–§5). A capture is registered once per (layer, window) at the top
// fidelity n_F; a lower fidelity is the capture's first n tokens (the model is causal).
// What does not depend on the setting is computed once per (layer, window, length) and
// kept: the dense output and its L1 norm per head, pooled blocks, coherences, and the
// compressed-score rows sorted by score. A new (θ, τ, λ) then costs the sparse attention
// of its kept blocks plus a walk over the sorted rows.
//
// Calls are serialised by an internal lock; one evaluator serves one engine.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "core/attention/block_shape.h"
#include "core/attention/block_sparse_attention.h"
#include "core/attention/evaluation_counts.h"
#include "core/attention/head_metrics.h"
#include "core/attention/head_setting.h"
#include "core/common/result.h"

namespace afbs {

class AttentionEvaluator {
 public:
  struct Options {
    BlockShape blocks;
    // Off: every call recomputes dense output, summaries and sorted scores (for the
    // benchmark's side-by-side comparison; results are identical).
    bool cache = true;
    // Where the attention runs: "cpu" (the reference, block by block) or "cuda[:i]".
    std::string device = "cpu";
    // On a CUDA device: our kernels predict the masks and attend (cuda_attention.h; inputs
    // in fp16, or bf16 when a value exceeds fp16's range, no n × n tensor), when the build
    // has them and D is 64 or 128. Off, or without them: whole-tensor ATen ops
    // (block_sparse_attention_aten.h) with masks predicted on the CPU.
    bool kernels = true;
  };

  AttentionEvaluator();
  explicit AttentionEvaluator(Options options);
  ~AttentionEvaluator();
  AttentionEvaluator(const AttentionEvaluator&) = delete;
  AttentionEvaluator& operator=(const AttentionEvaluator&) = delete;

  // Registers one window's capture of one layer: q [Hq, n_F, D] and k, v [Hkv, n_F, D]
  // (a leading batch dimension of 1 is accepted), any float dtype, on the CPU or on the
  // evaluator's device (then nothing crosses the bus on the kernel path). Replaces an
  // earlier capture under the same key and drops its caches. Refuses NaN or infinity.
  Status add_capture(int layer, int window, const at::Tensor& q, const at::Tensor& k,
                     const at::Tensor& v);
  // Forgets a layer's captures and everything cached for them.
  void release_layer(int layer);

  // Scores each request (a head and its setting; heads may repeat) on the first `length`
  // tokens of the capture. Metrics come back in request order. Each request counts as
  // one evaluation at this length.
  Result<std::vector<HeadMetrics>> evaluate(int layer, int window, int64_t length,
                                            const std::vector<HeadRequest>& requests);
  // Every head of the layer, settings[h] for head h.
  Result<std::vector<HeadMetrics>> evaluate_all_heads(int layer, int window, int64_t length,
                                                      const std::vector<HeadSetting>& settings);

  // The capture registered under (layer, window) as float tensors on the CPU: q [Hq, n_F, D],
  // k and v [Hkv, n_F, D] (q unscaled). An error when none is registered.
  struct CapturedTensors {
    at::Tensor q, k, v;
  };
  Result<CapturedTensors> captured(int layer, int window) const;

  EvaluationCounts counts() const;
  void reset_counts();
  EvaluatorSeconds seconds() const;  // since construction
  // Host bytes the registered captures hold now, and the most they held at once since
  // construction: one layer's worth while a session streams (DESIGN.md §3).
  int64_t held_capture_bytes() const;
  int64_t peak_capture_bytes() const;
  const Options& options() const { return options_; }

 private:
  struct Capture;
  struct LengthCache;
  using CaptureKey = std::pair<int, int>;
  using LengthKey = std::tuple<int, int, int64_t>;

  Result<std::shared_ptr<const LengthCache>> length_cache(const Capture& capture,
                                                          const LengthKey& key);
  std::vector<HeadAttentionTally> attend_on_reference(const Capture& capture,
                                                      const LengthCache& cached, int64_t length,
                                                      const std::vector<HeadRequest>& requests);
  std::vector<HeadAttentionTally> attend_on_kernels(const Capture& capture,
                                                    const LengthCache& cached, int64_t length,
                                                    const std::vector<HeadRequest>& requests);

  Options options_;
  mutable std::mutex mutex_;
  std::map<CaptureKey, std::unique_ptr<Capture>> captures_;
  std::map<LengthKey, std::shared_ptr<const LengthCache>> caches_;
  EvaluationCounts counts_;
  EvaluatorSeconds seconds_;
  int64_t held_capture_bytes_ = 0;
  int64_t peak_capture_bytes_ = 0;
};

}  // namespace afbs
