// Block-sparse causal flash attention, forward, for sm_90a (H100/H200): the same algorithm and
// contract as sparse_attention_sm80.cuh, with both products on wgmma. One CTA per (job, query
// block); each warpgroup owns 64 rows. S = Q·Kᵀ reads Q and K straight from shared memory
// (K-major descriptors); O += P·V takes P from registers and V from shared memory (N-major,
// transposed). Tiles sit in shared memory in the 128-byte swizzle wgmma reads: 64 columns
// (128 bytes) per region, regions one after another, 16-byte chunk c of row r at c ^ (r % 8).
// K and V stream through a two-step ring of cp.async tiles: the next step loads while this
// one computes.
// Built only for sm_90a (its own target); sparse_attention.cu picks it on compute capability 9.0.

#include "kernels/afbs_kernels.h"
#include "kernels/mma_sm80.cuh"
#include "kernels/wgmma_sm90.cuh"

namespace afbs_kernels {
namespace {

constexpr float kLog2E = 1.44269504088896340736f;
constexpr float kPvSkipOff = 50.0f;

__device__ __forceinline__ void wgmma_fence() {
  asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
}
__device__ __forceinline__ void wgmma_commit() {
  asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
}
__device__ __forceinline__ void wgmma_wait_all() {
  asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory");
}
// cp.async writes through the generic proxy, wgmma reads through the async proxy.
__device__ __forceinline__ void fence_proxy_async() {
  asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
}

// Shared-memory matrix descriptor, 128-byte swizzle (PTX ISA "Matrix Descriptor Format").
__device__ __forceinline__ uint64_t descriptor(uint32_t address, uint32_t leading,
                                               uint32_t stride) {
  return static_cast<uint64_t>((address & 0x3FFFF) >> 4) |
         (static_cast<uint64_t>((leading & 0x3FFFF) >> 4) << 16) |
         (static_cast<uint64_t>((stride & 0x3FFFF) >> 4) << 32) | (1ull << 62);
}

// `region_bytes`: from one 64-column region of the tile to the next (rows·128 for a lone tile;
// the ring's slots share regions so two adjacent slots read as one tile of twice the rows).
template <int D, typename T>
__device__ __forceinline__ void load_tile_wgmma(uint32_t tile, uint32_t region_bytes,
                                                const T* source, int rows, int valid_rows,
                                                int thread, int threads) {
  constexpr int kChunks = D / 8;
  for (int c = thread; c < rows * kChunks; c += threads) {
    const int row = c / kChunks, chunk = c % kChunks;
    const bool valid = row < valid_rows;
    const T* from = valid ? source + static_cast<size_t>(row) * D + chunk * 8 : source;
    const uint32_t to =
        tile + (chunk >> 3) * region_bytes + row * 128 + (((chunk & 7) ^ (row & 7)) << 4);
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(to), "l"(from),
                 "r"(valid ? 16 : 0));
  }
}

// WG = BQ / 64 warpgroups per CTA, one query block per CTA (splitting a 128-row block over
// two CTAs measured slower: each re-reads K/V; see bench/results/kernels/NOTES.md). kPair: with D =
// 128, kept blocks of 64 keys go two at a time, so every product has N or K = 128 (measured: 294
// against 285 TFLOP/s dense at 32k); with D = 64 the pair measured slower (191 against 226), so
// there a step is one block. The ring holds two steps.
template <typename T, int D, int BQ, int BK, int WG = BQ / 64>
struct Sm90Traits {
  static constexpr int kWarpgroups = WG;
  static constexpr int kRows = 64 * WG;
  static_assert(kRows == BQ, "one CTA per query block");
  static constexpr int kPair = (D == 128 && BK == 64) ? 2 : 1;  // blocks per step
  static constexpr int kKeys = kPair * BK;                      // keys per step
  static constexpr int kStages = 2 * kPair;                     // ring slots of BK rows
  static constexpr int kThreads = 128 * kWarpgroups;
  static constexpr int kQBytes = kRows * D * 2;
  static constexpr int kKVBytes = BK * D * 2;
  static constexpr int kSharedBytes = kQBytes + 2 * kStages * kKVBytes + 1024;  // + alignment
};

template <typename T, int D, int BQ, int BK, int WG>
__global__ void __launch_bounds__(Sm90Traits<T, D, BQ, BK, WG>::kThreads)
    sparse_attention_wgmma(const afbs_attention_args args) {
  using Traits = Sm90Traits<T, D, BQ, BK, WG>;
  constexpr int kRows = Traits::kRows;
  constexpr int kThreads = Traits::kThreads;
  constexpr int kDimTiles = D / 8;
  extern __shared__ uint8_t shared_bytes[];
  const uint32_t raw = shared_address(shared_bytes);
  const uint32_t q_tile = (raw + 1023) & ~1023u;  // the swizzle pattern repeats every 1024 bytes
  const uint32_t k_tiles = q_tile + Traits::kQBytes;
  const uint32_t v_tiles = k_tiles + Traits::kStages * Traits::kKVBytes;
  constexpr int kStages = Traits::kStages;

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
  const int thread = threadIdx.x, lane = thread % 32;
  const int group = thread / 128, warp_in_group = (thread % 128) / 32;

  constexpr int kPair = Traits::kPair;
  constexpr uint32_t kRegion = kStages * BK * 128;  // the ring's 64-column region stride
  auto column_of = [&](int position) { return columns ? columns[position] : position; };
  // Step `step` (blocks kPair·step …) into ring half step % 2, one commit group.
  auto load_step = [&](int step) {
    for (int b = 0; b < kPair; ++b) {
      // Past the last kept block the slot is zero-filled: its scores are masked, but P·V
      // would still multiply its stale V (possibly NaN) by zero.
      const int position = step * kPair + b;
      const bool real = position < count;
      const int column = real ? column_of(position) : 0;
      const uint32_t slot = ((step & 1) * kPair + b) * BK * 128;
      const size_t offset = static_cast<size_t>(column) * BK * D;
      const int valid = real ? min(BK, n - column * BK) : 0;
      load_tile_wgmma<D>(k_tiles + slot, kRegion, k + offset, BK, valid, thread, kThreads);
      load_tile_wgmma<D>(v_tiles + slot, kRegion, v + offset, BK, valid, thread, kThreads);
    }
    commit_async();
  };

  // This thread's rows: row0 and row0 + 8 of the query block. Scores stay raw (q·k) until
  // the exponent, where one FFMA applies scale·log2(e) and subtracts the scaled maximum.
  const int row0 = first_row + group * 64 + warp_in_group * 16 + lane / 4;
  float out[D / 2];
  for (int e = 0; e < D / 2; ++e)
    out[e] = 0.0f;
  float row_max[2] = {-INFINITY, -INFINITY}, row_sum[2] = {0.0f, 0.0f};
  int skipped = 0;
  constexpr int kKeys = Traits::kKeys;
  float scores[kKeys / 2] = {};  // S for one step's keys

  load_tile_wgmma<D>(q_tile, kRows * 128, q, kRows, rows, thread, kThreads);
  load_step(0);
  const int steps = (count + kPair - 1) / kPair;
  for (int step = 0; step < steps; ++step) {
    wait_async_all();
    fence_proxy_async();
    __syncthreads();  // this step's tiles in place; every warpgroup done with the other half
    if (step + 1 < steps) load_step(step + 1);
    const uint32_t half = (step & 1) * kPair * BK * 128;

    wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < D / 16; ++kk) {
      const uint32_t chunk = (kk % 4) * 32;
      const uint64_t a =
          descriptor(q_tile + group * 64 * 128 + chunk + (kk / 4) * kRows * 128, 16, 1024);
      const uint64_t b = descriptor(k_tiles + half + chunk + (kk / 4) * kRegion, 16, 1024);
      Wgmma<T, kKeys>::ss(scores, a, b, kk > 0);
    }
    wgmma_commit();
    wgmma_wait_all();

    // Per block of the step: causal mask, block maximum, PV-skip vote in ascending order (a
    // skipped block's scores become −∞, as if it had not been kept).
    float running[2] = {row_max[0], row_max[1]};
    bool any = false;
#pragma unroll
    for (int b = 0; b < kPair; ++b) {
      const int position = step * kPair + b;
      const bool real = position < count;
      const int first_key = real ? column_of(position) * BK : 0;
      const bool needs_mask = first_key + BK - 1 > first_row;
      float block_max[2] = {-INFINITY, -INFINITY};
#pragma unroll
      for (int nt = b * (BK / 8); nt < (b + 1) * (BK / 8); ++nt) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          if (!real) {
            scores[nt * 4 + e] = -INFINITY;
          } else if (needs_mask) {
            const int key = first_key + (nt - b * (BK / 8)) * 8 + (lane % 4) * 2 + (e & 1);
            const int row = row0 + (e >> 1) * 8;
            if (key > row || key >= n) scores[nt * 4 + e] = -INFINITY;
          }
          block_max[e >> 1] = fmaxf(block_max[e >> 1], scores[nt * 4 + e]);
        }
      }
      if (!real) continue;
      block_max[0] = quad_max(block_max[0]);
      block_max[1] = quad_max(block_max[1]);
      bool computed = true;
      if (pv_skip && position > 0) {
        int rises = 0;
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          if (row0 + h * 8 < n && !((block_max[h] - running[h]) * scale_log2 < -lambda)) rises = 1;
        }
        computed = __syncthreads_or(rises) != 0;
      }
      if (computed) {
        running[0] = fmaxf(running[0], block_max[0]);
        running[1] = fmaxf(running[1], block_max[1]);
        any = true;
      } else {
        ++skipped;
#pragma unroll
        for (int nt = b * (BK / 8); nt < (b + 1) * (BK / 8); ++nt) {
#pragma unroll
          for (int e = 0; e < 4; ++e)
            scores[nt * 4 + e] = -INFINITY;
        }
      }
    }
    if (!any) continue;

#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const float new_max = running[h];
      const float shift = new_max == -INFINITY ? 0.0f : new_max * scale_log2;
      const float rescale = exp2f(fmaf(row_max[h], scale_log2, -shift));
      row_max[h] = new_max;
      row_sum[h] *= rescale;
#pragma unroll
      for (int dt = 0; dt < kDimTiles; ++dt) {
        out[dt * 4 + 2 * h] *= rescale;
        out[dt * 4 + 2 * h + 1] *= rescale;
      }
#pragma unroll
      for (int nt = 0; nt < kKeys / 8; ++nt) {
        const float p0 = exp2f(fmaf(scores[nt * 4 + 2 * h], scale_log2, -shift));
        const float p1 = exp2f(fmaf(scores[nt * 4 + 2 * h + 1], scale_log2, -shift));
        scores[nt * 4 + 2 * h] = p0;
        scores[nt * 4 + 2 * h + 1] = p1;
        row_sum[h] += p0 + p1;
      }
    }
    uint32_t p[kKeys / 16][4];
#pragma unroll
    for (int kk = 0; kk < kKeys / 16; ++kk) {
      p[kk][0] = Mma<T>::pack(scores[8 * kk + 0], scores[8 * kk + 1]);
      p[kk][1] = Mma<T>::pack(scores[8 * kk + 2], scores[8 * kk + 3]);
      p[kk][2] = Mma<T>::pack(scores[8 * kk + 4], scores[8 * kk + 5]);
      p[kk][3] = Mma<T>::pack(scores[8 * kk + 6], scores[8 * kk + 7]);
    }
    wgmma_fence();
#pragma unroll
    for (int kk = 0; kk < kKeys / 16; ++kk) {
      Wgmma<T, D>::rs(out, p[kk], descriptor(v_tiles + half + kk * 16 * 128, kRegion, 1024));
    }
    wgmma_commit();
    wgmma_wait_all();
  }
  wait_async_all();  // nothing may land in shared memory after the CTA is gone

  float l1 = 0.0f;
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const float total = quad_sum(row_sum[h]);
    const float inverse = total > 0.0f ? 1.0f / total : 0.0f;
    const int row = row0 + h * 8;
    if (row >= n) continue;
    const size_t out_row = (static_cast<size_t>(job) * n + row) * D;
    const size_t dense_row = (static_cast<size_t>(head) * n + row) * D;
#pragma unroll
    for (int dt = 0; dt < kDimTiles; ++dt) {
      const int col = dt * 8 + (lane % 4) * 2;
      const float o0 = out[dt * 4 + 2 * h] * inverse, o1 = out[dt * 4 + 2 * h + 1] * inverse;
      if (args.out) {
        *reinterpret_cast<uint32_t*>(static_cast<T*>(args.out) + out_row + col) =
            Mma<T>::pack(o0, o1);
      }
      if (args.out_f32) *reinterpret_cast<float2*>(args.out_f32 + out_row + col) = {o0, o1};
      if (args.row_l1) {
        const float2 reference = *reinterpret_cast<const float2*>(args.dense + dense_row + col);
        l1 += fabsf(o0 - reference.x) + fabsf(o1 - reference.y);
      }
    }
  }
  if (args.row_l1) {
    __shared__ float warp_l1[kThreads / 32];
    for (int offset = 16; offset > 0; offset /= 2)
      l1 += __shfl_xor_sync(0xffffffffu, l1, offset);
    if (lane == 0) warp_l1[thread / 32] = l1;
    __syncthreads();
    if (thread == 0) {
      float total = 0.0f;
      for (int w = 0; w < kThreads / 32; ++w)
        total += warp_l1[w];
      args.row_l1[row_slot] = total;
    }
  }
  if (args.row_skipped && thread == 0) args.row_skipped[row_slot] = skipped;
}

template <typename T, int D, int BQ, int BK, int WG>
cudaError_t launch_shape(const afbs_attention_args& args, cudaStream_t stream) {
  using Traits = Sm90Traits<T, D, BQ, BK, WG>;
  auto kernel = sparse_attention_wgmma<T, D, BQ, BK, WG>;
  cudaError_t status = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                            Traits::kSharedBytes);
  if (status != cudaSuccess) return status;
  const dim3 grid((args.length + BQ - 1) / BQ, args.job_count);
  kernel<<<grid, Traits::kThreads, Traits::kSharedBytes, stream>>>(args);
  return cudaGetLastError();
}

// Two warpgroups share a 128-row block's K/V tiles (half the L2 traffic of two CTAs).
template <typename T, int D>
cudaError_t launch_dim(const afbs_attention_args& args, cudaStream_t stream) {
  if (args.block_q == 64 && args.block_k == 64) return launch_shape<T, D, 64, 64, 1>(args, stream);
  if (args.block_q == 64) return launch_shape<T, D, 64, 128, 1>(args, stream);
  return launch_shape<T, D, 128, 64, 2>(args, stream);
}

template <typename T>
cudaError_t launch(const afbs_attention_args& args, cudaStream_t stream) {
  return args.head_dim == 64 ? launch_dim<T, 64>(args, stream) : launch_dim<T, 128>(args, stream);
}

}  // namespace

cudaError_t launch_sparse_attention_sm90(const afbs_attention_args& args, cudaStream_t stream) {
  return args.dtype == AFBS_BF16 ? launch<__nv_bfloat16>(args, stream)
                                 : launch<__half>(args, stream);
}

}  // namespace afbs_kernels
