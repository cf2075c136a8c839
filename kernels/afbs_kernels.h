#pragma once

// The CUDA kernels' one door: plain C on raw device pointers and a cudaStream_t, no torch.
// Definitions follow the CPU reference in core/attention (mask_predictor.h,
// block_sparse_attention.h); DESIGN.md §4 says what they mean.
//
// Layouts: Q is [Hq, n, D], K and V are [Hkv, n, D], each row of D contiguous and heads
// back to back (a batch folds into the head index: head b·Hq + h reads KV head
// (b·Hq + h) / (Hq / Hkv)). Block shapes (bq × bk): 64×64, 128×64, 64×128; D: 64 or 128.
// Every launcher checks its arguments, returns cudaErrorInvalidValue for bad ones and
// otherwise the launch's own status; nothing is synchronised.

#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum afbs_dtype { AFBS_F32 = 0, AFBS_F16 = 1, AFBS_BF16 = 2 } afbs_dtype;

typedef enum afbs_rule {
  AFBS_RULE_DENSE = 0,
  AFBS_RULE_CUMULATIVE = 1,      // θ, τ (SpargeAttn)
  AFBS_RULE_TOP_FRACTION = 2,    // parameter = F in (0, 1]
  AFBS_RULE_SLIDING_WINDOW = 3,  // parameter = W tokens
} afbs_rule;

// ---- mask prediction (kernels/mask_predict.cu) ---------------------------------------

typedef struct afbs_predict_shape {
  int query_heads, kv_heads, length, head_dim;
  int block_q, block_k;
  afbs_dtype dtype;  // of q and k: F32, F16 or BF16 (computed in fp32 either way)
  // Elements from one head to the next (0: n·D), so a prefix of longer tensors needs no copy.
  int64_t q_head_stride, k_head_stride;
  // 0: prepare sorts each row by Ŝ once, for selecting many settings per head (the tuner's).
  // 1: no sort; select searches each row's cut instead, cheaper when each head is selected
  // once (the forward's). Rows of more than 1024 key blocks are sorted either way.
  int search_rows;
} afbs_predict_shape;

// Bytes of device workspace afbs_predict_prepare fills and afbs_predict_select reads:
// pooled blocks, coherences, compressed scores Ŝ and each row's columns sorted by Ŝ.
size_t afbs_predict_workspace_bytes(afbs_predict_shape shape);

// Everything that does not depend on a setting: K smoothing, block pooling, coherence,
// Ŝ = pool(Q)·pool(K̃)ᵀ/√D over visible blocks, and the per-row descending order (ties:
// lower column first). `workspace` needs afbs_predict_workspace_bytes(shape) bytes,
// 256-byte aligned; q and k must be 16-byte aligned with head strides of whole 16 bytes.
cudaError_t afbs_predict_prepare(const void* q, const void* k, afbs_predict_shape shape,
                                 void* workspace, cudaStream_t stream);

// One job = one query head at one setting. The selection rules and forced blocks of
// mask_predictor.h, for every job and query block in one launch.
typedef struct afbs_mask_job {
  int head;  // query head
  int rule;  // afbs_rule
  float theta, tau;
  double parameter;  // top fraction F or window W (double, as the CPU reference computes)
} afbs_mask_job;

// Writes, for job t and query block i, the kept key blocks in ascending order to
// lut[(t·nq + i)·nk …] and their number to counts[t·nq + i] (nq, nk: query and key blocks).
// `jobs` lives in device memory. Dense and sliding-window jobs read nothing of the workspace
// but its shape: when no job's rule needs it (afbs_rule_needs_prepare), afbs_predict_prepare,
// which reads all of Q and K, may be skipped.
static inline int afbs_rule_needs_prepare(int rule) {
  return rule == AFBS_RULE_CUMULATIVE || rule == AFBS_RULE_TOP_FRACTION;
}
cudaError_t afbs_predict_select(const void* workspace, afbs_predict_shape shape,
                                const afbs_mask_job* jobs, int job_count, int32_t* lut,
                                int32_t* counts, cudaStream_t stream);

// ---- block-sparse flash attention, forward (kernels/sparse_attention*.cu) -----------

typedef struct afbs_attention_args {
  const void* q;  // [Hq, n, D] (F16 or BF16)
  const void* k;  // [Hkv, n, D]
  const void* v;  // [Hkv, n, D]
  afbs_dtype dtype;
  int query_heads, kv_heads, length, head_dim;
  int block_q, block_k;
  float scale;                            // softmax scale, usually 1/√D
  int64_t q_head_stride, kv_head_stride;  // elements from one head to the next (0: n·D)

  // Jobs: job t attends query head job_head[t] (null: job t is head t) with the mask rows
  // lut[(t·nq + i)·nk …], counts[t·nq + i] (null lut: every causal block, dense mode).
  int job_count;
  const int32_t* job_head;
  const int32_t* lut;
  const int32_t* counts;
  const float* job_lambda;  // PV-skip λ per job in log2 units, ≥ 50 off; null: off

  // Outputs, each optional (null), indexed by job:
  void* out;             // [jobs, n, D] in dtype
  float* out_f32;        // [jobs, n, D] fp32, before rounding
  const float* dense;    // [Hq, n, D] fp32 reference for the query head: with row_l1,
  float* row_l1;         //   [jobs, nq] Σ|O − dense| per query block
  int32_t* row_skipped;  // [jobs, nq] kept blocks skipped by PV-skip
} afbs_attention_args;

cudaError_t afbs_sparse_attention_forward(const afbs_attention_args* args, cudaStream_t stream);

#ifdef __cplusplus
}
#endif
