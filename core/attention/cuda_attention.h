#pragma once

// Our CUDA kernels (kernels/afbs_kernels.h) for ATen tensors: mask prediction and block-sparse
// flash attention on the device, with no n × n tensor anywhere (a head's memory is O(n·D)).
// Compiled in only when the kernels are built and libtorch has CUDA (AFBS_TORCH_CUDA);
// elsewhere cuda_kernels_compiled() is false and every call returns an error.
// Tensors: q [Hq, n, D], k and v [Hkv, n, D] on one CUDA device, rows of D contiguous (a head
// may be a prefix of a longer capture: the head stride is read from the tensor).

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/attention/block_shape.h"
#include "core/attention/head_setting.h"
#include "core/common/result.h"

namespace afbs {

bool cuda_kernels_compiled();
// Compiled in, and `t` lives on a CUDA device with a dtype the kernels can take (after the
// adaptor's conversion: fp32 goes to fp16 for attention).
bool cuda_kernels_serve(const at::Tensor& t);

// Kept key blocks per (job, query block), ascending: lut [jobs, nq, nk], counts [jobs, nq],
// int32 on the device.
struct KernelMasks {
  at::Tensor lut;
  at::Tensor counts;
};

// How predict() will be called: many settings per head (the evaluator's batches: rows are
// sorted by Ŝ once, each setting walks them) or one (the forward: no sort, each row's cut is
// searched). Both give the reference's masks up to rounding at τ.
enum class SettingsPerHead { many, one };

// Everything prediction needs that no setting changes, computed once on the device.
class CudaMaskPredictor {
 public:
  // `scores` off skips pooling Q and K, Ŝ and their order: then only dense and sliding-window
  // settings can be predicted (their masks follow from the shape alone), the forward's case
  // for a layer of windows.
  static Result<CudaMaskPredictor> build(const at::Tensor& q, const at::Tensor& k, BlockShape shape,
                                         SettingsPerHead settings = SettingsPerHead::many,
                                         bool scores = true);
  // One job per request (a query head and its setting), all in one launch.
  Result<KernelMasks> predict(const std::vector<HeadRequest>& requests) const;
  // Whether a setting's mask reads Ŝ or coherence (cumulative, top fraction).
  static bool needs_scores(const HeadSetting& setting);
  int64_t query_blocks() const;
  int64_t key_blocks() const;

 private:
  at::Tensor q_, k_;  // kept alive: the workspace was computed from them
  at::Tensor workspace_;
  BlockShape shape_;
  SettingsPerHead settings_ = SettingsPerHead::many;
  bool scores_ = true;
};

struct KernelAttentionRequest {
  at::Tensor q, k, v;  // f16 or bf16 (the same dtype), see above
  BlockShape blocks;
  const KernelMasks* masks = nullptr;  // null: dense mode, every causal block
  std::vector<int32_t> heads;          // job t's query head; empty: job t = head t
  std::vector<float> lambdas;          // PV-skip λ per job; empty: off
  at::Tensor dense;                    // optional fp32 [Hq, n, D]: Σ|O − dense| per row block
  bool output = true;                  // O [jobs, n, D] in q's dtype
  bool output_f32 = false;             // O [jobs, n, D] in fp32
};

struct KernelAttentionResult {
  at::Tensor output, output_f32;
  at::Tensor row_l1;       // [jobs, nq] fp32, when dense was given
  at::Tensor row_skipped;  // [jobs, nq] int32
};

Result<KernelAttentionResult> run_kernel_attention(const KernelAttentionRequest& request);

}  // namespace afbs
