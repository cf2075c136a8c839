#pragma once

// The attention seam running a SparseConfig: each layer's heads at their own settings,
// dense and sparse heads mixed in one layer, any batch size, any float dtype, returned in
// q's dtype and device. On a CUDA device (head size 64 or 128, kernels in the build) our
// kernels predict and attend there in fp16/bf16; elsewhere masks are predicted on the CPU
// and attention runs in fp32 (the CPU reference, or ATen ops on another device). It also tallies
// the causal-block sparsity it actually ran, per layer and head, for reports such as `afbs-tune
// perplexity`.
//
// A layer whose heads are all provably dense (dense heads, or θ ≥ 1 or τ ≥ 1 with the
// PV-skip off) is handed to `dense`, so such a config reproduces the model's own dense
// attention bit for bit. In a mixed layer the dense heads run the block routine with a
// full mask, which agrees with the model's dense attention within fp32 rounding.

#include <cstdint>
#include <mutex>
#include <vector>

#include "core/attention/sparse_config.h"
#include "core/model/layer_attention.h"

namespace afbs {

class SparseLayerAttention : public LayerAttention {
 public:
  struct HeadTally {
    int64_t kept_blocks = 0;
    int64_t causal_blocks = 0;
    int64_t skipped_blocks = 0;
  };

  // `config` must match the model (check_config_matches). `dense` is not owned and may be
  // null (then every layer runs the block routine).
  explicit SparseLayerAttention(SparseConfig config, LayerAttention* dense = nullptr);

  // Throws std::invalid_argument when q/k/v disagree with the config (the model's forward
  // turns it into an error value).
  at::Tensor attend(int layer, const at::Tensor& q, const at::Tensor& k,
                    const at::Tensor& v) override;

  const SparseConfig& config() const { return config_; }
  // [layer][head], summed over every call and batch element since the last reset.
  std::vector<std::vector<HeadTally>> tallies() const;
  // Mean over layers × heads of 1 − kept / causal (heads that never ran are left out);
  // 0 when nothing ran.
  double mean_sparsity() const;
  double skip_rate() const;  // skipped / kept over everything that ran
  void reset_tallies();

 private:
  bool layer_is_dense(int layer) const;
  at::Tensor attend_on_kernels(int layer, const at::Tensor& q, const at::Tensor& k,
                               const at::Tensor& v, const std::vector<HeadSetting>& settings);

  SparseConfig config_;
  LayerAttention* dense_;
  mutable std::mutex mutex_;
  std::vector<std::vector<HeadTally>> tallies_;
};

}  // namespace afbs
