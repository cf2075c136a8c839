#pragma once

// Block-sparse causal flash attention, forward, for sm_80 and later (mma.sync + cp.async +
// ldmatrix): FlashAttention-2's online softmax walked over a query block's kept key blocks.
// One CTA per (job, query block of BQ rows); its warps each own MT·16 rows. Key blocks
// come from the job's LUT in ascending order (the CPU reference's order, which the PV-skip
// rule depends on), K and V double-buffered in shared memory so block b+1 loads while b
// computes. Scores live in the log2 domain: x = (q·k)·scale·log2(e).
// PV-skip, as block_sparse_attention.h defines it: after the first kept block, a block's
// exp and P·V are skipped when for every row of the query block its block maximum lies
// more than λ below the running maximum; the CTA votes with __syncthreads_or.

#include "kernels/afbs_kernels.h"
#include "kernels/attention_epilogue.cuh"
#include "kernels/fast_exp2.cuh"
#include "kernels/mma_sm80.cuh"

namespace afbs_kernels {

constexpr float kLog2E = 1.44269504088896340736f;
constexpr float kPvSkipOff = 50.0f;

template <typename T, int D, int BQ, int BK, int MT>
struct SparseAttentionTraits {
  static constexpr int kWarps = BQ / (16 * MT);
  static constexpr int kThreads = kWarps * 32;
  static constexpr int kQElements = BQ * D;
  static constexpr int kKVElements = BK * D;
  static constexpr int kSharedBytes = (kQElements + 4 * kKVElements) * 2;  // Q, K×2, V×2
};

template <typename T, int D, int BQ, int BK, int MT>
__global__ void __launch_bounds__(SparseAttentionTraits<T, D, BQ, BK, MT>::kThreads)
    sparse_attention_kernel(const afbs_attention_args args) {
  using Traits = SparseAttentionTraits<T, D, BQ, BK, MT>;
  constexpr int kThreads = Traits::kThreads;
  constexpr int kKeyTiles = BK / 8;  // n-tiles of S
  constexpr int kDimTiles = D / 8;   // n-tiles of O
  extern __shared__ __align__(128) uint8_t shared_bytes[];
  T* q_tile = reinterpret_cast<T*>(shared_bytes);
  T* k_tiles = q_tile + Traits::kQElements;
  T* v_tiles = k_tiles + 2 * Traits::kKVElements;

  const int n = args.length;
  const int query_blocks = (n + BQ - 1) / BQ, key_blocks = (n + BK - 1) / BK;
  const int block_row = query_blocks - 1 - static_cast<int>(blockIdx.x);  // longest rows first
  const int job = blockIdx.y;
  const int head = args.job_head ? args.job_head[job] : job;
  const int kv_head = head / (args.query_heads / args.kv_heads);
  const int first_row = block_row * BQ;
  const int rows = min(BQ, n - first_row);
  const int visible = (first_row + rows - 1) / BK + 1;
  const size_t row_slot = static_cast<size_t>(job) * query_blocks + block_row;
  const int32_t* columns = args.lut ? args.lut + row_slot * key_blocks : nullptr;
  const int count = args.lut ? args.counts[row_slot] : visible;
  const float lambda = args.job_lambda ? args.job_lambda[job] : kPvSkipOff;
  const bool pv_skip = lambda < kPvSkipOff;
  const float scale_log2 = args.scale * kLog2E;

  const size_t q_stride = args.q_head_stride ? args.q_head_stride : static_cast<size_t>(n) * D;
  const size_t kv_stride = args.kv_head_stride ? args.kv_head_stride : static_cast<size_t>(n) * D;
  const T* q = static_cast<const T*>(args.q) + head * q_stride + static_cast<size_t>(first_row) * D;
  const T* k = static_cast<const T*>(args.k) + kv_head * kv_stride;
  const T* v = static_cast<const T*>(args.v) + kv_head * kv_stride;
  const int thread = threadIdx.x, warp = thread / 32, lane = thread % 32;

  auto issue_block = [&](int position, int stage) {
    const int column = columns ? columns[position] : position;
    const int valid = min(BK, n - column * BK);
    const size_t offset = static_cast<size_t>(column) * BK * D;
    load_tile_async<D>(k_tiles + stage * Traits::kKVElements, k + offset, BK, valid, thread,
                       kThreads);
    load_tile_async<D>(v_tiles + stage * Traits::kKVElements, v + offset, BK, valid, thread,
                       kThreads);
  };
  load_tile_async<D>(q_tile, q, BQ, rows, thread, kThreads);
  if (count > 0) issue_block(0, 0);
  commit_async();

  // Per thread: rows warp_row + t·16 + lane/4 (+8); columns (lane % 4)·2 (+1) of each n-tile.
  const int warp_row = warp * 16 * MT;
  float out[MT][kDimTiles][4] = {};
  float row_max[MT][2], row_sum[MT][2] = {};
  for (int t = 0; t < MT; ++t)
    row_max[t][0] = row_max[t][1] = -INFINITY;
  int skipped = 0;
  const uint32_t q_base = shared_address(q_tile);

  for (int position = 0; position < count; ++position) {
    wait_async_all();
    __syncthreads();  // block `position` is in place; everyone is done with the other stage
    const int stage = position & 1;
    if (position + 1 < count) issue_block(position + 1, stage ^ 1);
    commit_async();
    const int column = columns ? columns[position] : position;
    const uint32_t k_base = shared_address(k_tiles + stage * Traits::kKVElements);
    const uint32_t v_base = shared_address(v_tiles + stage * Traits::kKVElements);

    float scores[MT][kKeyTiles][4] = {};
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      uint32_t a[MT][4];
#pragma unroll
      for (int t = 0; t < MT; ++t) {
        const int row = warp_row + t * 16 + (lane & 15);
        ldmatrix_x4(a[t], q_base + swizzled<D>(row, kk * 2 + (lane >> 4)) * 2);
      }
#pragma unroll
      for (int pair = 0; pair < kKeyTiles / 2; ++pair) {
        uint32_t b[4];
        const int key = pair * 16 + (lane & 7) + ((lane >> 4) << 3);
        ldmatrix_x4(b, k_base + swizzled<D>(key, kk * 2 + ((lane >> 3) & 1)) * 2);
#pragma unroll
        for (int t = 0; t < MT; ++t) {
          Mma<T>::run(scores[t][2 * pair], a[t], b[0], b[1]);
          Mma<T>::run(scores[t][2 * pair + 1], a[t], b[2], b[3]);
        }
      }
    }

    // Scale to log2 units; token-exact causal mask where the block reaches past the first row.
    const int first_key = column * BK;
    const bool needs_mask = first_key + BK - 1 > first_row;
    float block_max[MT][2];
#pragma unroll
    for (int t = 0; t < MT; ++t) {
      const int row0 = first_row + warp_row + t * 16 + lane / 4;
      block_max[t][0] = block_max[t][1] = -INFINITY;
#pragma unroll
      for (int nt = 0; nt < kKeyTiles; ++nt) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          float x = scores[t][nt][e] * scale_log2;
          if (needs_mask) {
            const int key = first_key + nt * 8 + (lane % 4) * 2 + (e & 1);
            const int row = row0 + (e >> 1) * 8;
            if (key > row || key >= n) x = -INFINITY;
          }
          scores[t][nt][e] = x;
          block_max[t][e >> 1] = fmaxf(block_max[t][e >> 1], x);
        }
      }
      block_max[t][0] = quad_max(block_max[t][0]);
      block_max[t][1] = quad_max(block_max[t][1]);
    }

    if (pv_skip && position > 0) {
      int rises = 0;
#pragma unroll
      for (int t = 0; t < MT; ++t) {
        const int row0 = first_row + warp_row + t * 16 + lane / 4;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const bool real_row = row0 + h * 8 < n;
          if (real_row && !(block_max[t][h] - row_max[t][h] < -lambda)) rises = 1;
        }
      }
      if (!__syncthreads_or(rises)) {
        ++skipped;
        continue;
      }
    }

    // Online softmax update, then O += P·V.
#pragma unroll
    for (int t = 0; t < MT; ++t) {
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const float new_max = fmaxf(row_max[t][h], block_max[t][h]);
        const float shift = new_max == -INFINITY ? 0.0f : new_max;
        const float rescale = fast_exp2(row_max[t][h] - shift);
        row_max[t][h] = new_max;
        row_sum[t][h] *= rescale;
#pragma unroll
        for (int dt = 0; dt < kDimTiles; ++dt) {
          out[t][dt][2 * h] *= rescale;
          out[t][dt][2 * h + 1] *= rescale;
        }
#pragma unroll
        for (int nt = 0; nt < kKeyTiles; ++nt) {
          const float p0 = fast_exp2(scores[t][nt][2 * h] - shift);
          const float p1 = fast_exp2(scores[t][nt][2 * h + 1] - shift);
          scores[t][nt][2 * h] = p0;
          scores[t][nt][2 * h + 1] = p1;
          row_sum[t][h] += p0 + p1;
        }
      }
    }
#pragma unroll
    for (int kk = 0; kk < BK / 16; ++kk) {
      uint32_t a[MT][4];
#pragma unroll
      for (int t = 0; t < MT; ++t) {
        a[t][0] = Mma<T>::pack(scores[t][2 * kk][0], scores[t][2 * kk][1]);
        a[t][1] = Mma<T>::pack(scores[t][2 * kk][2], scores[t][2 * kk][3]);
        a[t][2] = Mma<T>::pack(scores[t][2 * kk + 1][0], scores[t][2 * kk + 1][1]);
        a[t][3] = Mma<T>::pack(scores[t][2 * kk + 1][2], scores[t][2 * kk + 1][3]);
      }
#pragma unroll
      for (int pair = 0; pair < kDimTiles / 2; ++pair) {
        uint32_t b[4];
        ldmatrix_x4_trans(b,
                          v_base + swizzled<D>(kk * 16 + (lane & 15), pair * 2 + (lane >> 4)) * 2);
#pragma unroll
        for (int t = 0; t < MT; ++t) {
          Mma<T>::run(out[t][2 * pair], a[t], b[0], b[1]);
          Mma<T>::run(out[t][2 * pair + 1], a[t], b[2], b[3]);
        }
      }
    }
  }

  // Epilogue: normalise, store what was asked for, and measure Σ|O − dense|.
  float l1 = 0.0f;
#pragma unroll
  for (int t = 0; t < MT; ++t) {
    l1 += store_rows<T, D>(args, out[t], row_sum[t], first_row + warp_row + t * 16 + lane / 4, lane,
                           job, head);
  }
  finish_block<Traits::kWarps>(args, row_slot, l1, skipped, thread, [] { __syncthreads(); });
}

}  // namespace afbs_kernels

namespace afbs_kernels {

// Rows per warp: two m-tiles share each K/V fragment (half the shared-memory traffic) when
// the registers allow it; a 128-wide key block with D = 128 would spill, so it keeps one.
template <int D, int BQ, int BK>
constexpr int kMTiles = (BQ == 128 && !(BK == 128 && D == 128)) ? 2 : 1;

template <typename T, int D, int BQ, int BK>
cudaError_t launch_sparse_attention_shape(const afbs_attention_args& args, cudaStream_t stream) {
  constexpr int MT = kMTiles<D, BQ, BK>;
  using Traits = SparseAttentionTraits<T, D, BQ, BK, MT>;
  auto kernel = sparse_attention_kernel<T, D, BQ, BK, MT>;
  cudaError_t status = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                            Traits::kSharedBytes);
  if (status != cudaSuccess) return status;
  const dim3 grid((args.length + BQ - 1) / BQ, args.job_count);
  kernel<<<grid, Traits::kThreads, Traits::kSharedBytes, stream>>>(args);
  return cudaGetLastError();
}

template <typename T, int D>
cudaError_t launch_sparse_attention_dim(const afbs_attention_args& args, cudaStream_t stream) {
  if (args.block_q == 64 && args.block_k == 64)
    return launch_sparse_attention_shape<T, D, 64, 64>(args, stream);
  if (args.block_q == 128 && args.block_k == 64)
    return launch_sparse_attention_shape<T, D, 128, 64>(args, stream);
  return launch_sparse_attention_shape<T, D, 64, 128>(args, stream);
}

template <typename T>
cudaError_t launch_sparse_attention(const afbs_attention_args& args, cudaStream_t stream) {
  return args.head_dim == 64 ? launch_sparse_attention_dim<T, 64>(args, stream)
                             : launch_sparse_attention_dim<T, 128>(args, stream);
}

cudaError_t launch_sparse_attention_bf16(const afbs_attention_args& args, cudaStream_t stream);
cudaError_t launch_sparse_attention_f16(const afbs_attention_args& args, cudaStream_t stream);

}  // namespace afbs_kernels
