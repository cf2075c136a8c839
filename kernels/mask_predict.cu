// Block-mask prediction on the GPU, as core/attention/mask_predictor.h defines it (all fp32):
// afbs_predict_prepare computes what no setting changes — K's mean, pooled blocks and their
// coherence, Ŝ and each row's columns sorted by Ŝ — and afbs_predict_select walks the sorted
// rows for many (head, setting) jobs in one launch, one warp per (job, query block). With
// search_rows the sort is skipped and the selection finds each row's cut by a bitwise search
// over Ŝ instead (cheaper when each head is selected once: the forward's case).

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <type_traits>

#include "kernels/afbs_kernels.h"

namespace {

constexpr int kMeanSplits = 512;     // 64 rows a CTA at 32k tokens: enough CTAs to fill the GPU
constexpr int kMaxKeyBlocks = 8192;  // the sort holds a row in shared memory

struct Workspace {  // offsets into the caller's buffer, each 256-byte aligned
  size_t key_partial, key_mean, pooled_q, coherence_q, pooled_k, coherence_k, scores, order, bytes;
};

size_t align256(size_t x) {
  return (x + 255) / 256 * 256;
}

Workspace layout(const afbs_predict_shape& s) {
  const size_t nq = (s.length + s.block_q - 1) / s.block_q,
               nk = (s.length + s.block_k - 1) / s.block_k;
  Workspace w{};
  size_t at = 0;
  auto take = [&](size_t bytes) {
    const size_t here = at;
    at += align256(bytes);
    return here;
  };
  w.key_partial = take(sizeof(float) * s.kv_heads * kMeanSplits * s.head_dim);
  w.key_mean = take(sizeof(float) * s.kv_heads * s.head_dim);
  w.pooled_q = take(sizeof(float) * s.query_heads * nq * s.head_dim);
  w.coherence_q = take(sizeof(float) * s.query_heads * nq);
  w.pooled_k = take(sizeof(float) * s.kv_heads * nk * s.head_dim);
  w.coherence_k = take(sizeof(float) * s.kv_heads * nk);
  w.scores = take(sizeof(float) * s.query_heads * nq * nk);
  w.order = take(sizeof(int32_t) * s.query_heads * nq * nk);
  w.bytes = at;
  return w;
}

template <typename T>
__device__ __forceinline__ float to_float(T x) {
  return static_cast<float>(x);
}
template <>
__device__ __forceinline__ float to_float(__nv_bfloat16 x) {
  return __bfloat162float(x);
}
template <>
__device__ __forceinline__ float to_float(__half x) {
  return __half2float(x);
}

// N consecutive elements of T as floats, in one load of N·sizeof(T) bytes (4, 8 or 16).
template <typename T, int N>
__device__ __forceinline__ void load_values(const T* from, float (&values)[N]) {
  constexpr int kBytes = N * sizeof(T);
  static_assert(kBytes == 4 || kBytes == 8 || kBytes == 16, "one vector load");
  using Word =
      std::conditional_t<kBytes == 16, uint4, std::conditional_t<kBytes == 8, uint2, uint32_t>>;
  const Word raw = *reinterpret_cast<const Word*>(from);
  const T* items = reinterpret_cast<const T*>(&raw);
#pragma unroll
  for (int e = 0; e < N; ++e)
    values[e] = to_float(items[e]);
}

// Partial column sums of K over kMeanSplits row ranges, then their mean: fixed order. Each
// thread reads 16-byte chunks; 256 threads cover 256 / (D / chunk) rows at a time.
template <typename T, int D>
__global__ void key_sum_partial(const T* k, int n, int64_t head_stride, float* partial) {
  constexpr int kValues = 16 / sizeof(T), kChunks = D / kValues, kRowLanes = 256 / kChunks;
  const int split = blockIdx.x, head = blockIdx.y;
  const int chunk = threadIdx.x % kChunks, row_lane = threadIdx.x / kChunks;
  const int per_split = (n + kMeanSplits - 1) / kMeanSplits;
  const int first = split * per_split, last = min(n, first + per_split);
  const T* rows = k + head * head_stride + chunk * kValues;
  float sum[kValues] = {};
  for (int r = first + row_lane; r < last; r += kRowLanes) {
    float values[kValues];
    load_values<T, kValues>(rows + static_cast<size_t>(r) * D, values);
#pragma unroll
    for (int e = 0; e < kValues; ++e)
      sum[e] += values[e];
  }
  __shared__ float lane_sums[kRowLanes][D];
#pragma unroll
  for (int e = 0; e < kValues; ++e)
    lane_sums[row_lane][chunk * kValues + e] = sum[e];
  __syncthreads();
  for (int d = threadIdx.x; d < D; d += 256) {
    float total = 0.0f;
    for (int l = 0; l < kRowLanes; ++l)
      total += lane_sums[l][d];
    partial[(static_cast<size_t>(head) * kMeanSplits + split) * D + d] = total;
  }
}

// 8 threads per column each sum a stripe of the splits, then one adds the 8 in order.
__global__ void key_mean_final(const float* partial, int n, int dim, float* mean) {
  constexpr int kStripes = 8;
  const int head = blockIdx.x, d = threadIdx.x % dim, stripe = threadIdx.x / dim;
  float total = 0.0f;
  for (int s = stripe; s < kMeanSplits; s += kStripes)
    total += partial[(static_cast<size_t>(head) * kMeanSplits + s) * dim + d];
  __shared__ float stripes[kStripes][128];
  stripes[stripe][d] = total;
  __syncthreads();
  if (stripe != 0) return;
  for (int s = 1; s < kStripes; ++s)
    total += stripes[s][d];
  mean[head * dim + d] = total / static_cast<float>(n);
}

// What one pooling launch covers: the Q blocks of every query head, then the K blocks of every
// KV head (smoothed by `mean`), so both share one launch and one tail.
struct PoolJob {
  const void* q;
  const void* k;
  int64_t q_stride, k_stride;
  const float* mean;
  int n, block_q, block_k, query_blocks, key_blocks, query_heads;
  float *pooled_q, *coherence_q, *pooled_k, *coherence_k;
};

// One CTA of 4 warps per (block, head): the block's mean row and its coherence
// ‖Σ x_a/‖x_a‖‖² / m² (clamped to 1; −∞ for a partial block). A row is read by a group of
// D / kValues lanes in 16-byte loads (half a warp for bf16 at D 128), several rows per warp and
// up to eight loads per lane in flight (at 32k, D 128: one row per warp and four loads reached
// 1.9 TB/s, this layout with four 2.5 TB/s, with eight 3.0 TB/s; bench/results/kernels/NOTES.md).
template <typename T, int D>
__global__ void __launch_bounds__(128, 6) pool_blocks(PoolJob job) {
  constexpr int kValues = 16 / sizeof(T), kGroup = D / kValues, kRowsPerWarp = 32 / kGroup;
  // Loads in flight per lane: up to 8, no more than one 64-row block holds (D 64's rows are
  // short: four rows a warp and pass; eight passes would leave half the lanes idle on K).
  constexpr int kRowsPerPass = 4 * kRowsPerWarp,
                kUnroll = 64 / kRowsPerPass < 8 ? 64 / kRowsPerPass : 8;
  const bool is_key = blockIdx.x >= job.query_blocks * job.query_heads;
  const int item = is_key ? blockIdx.x - job.query_blocks * job.query_heads : blockIdx.x;
  const int blocks = is_key ? job.key_blocks : job.query_blocks;
  const int b = item % blocks, head = item / blocks, block = is_key ? job.block_k : job.block_q;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int column = (lane % kGroup) * kValues, row_in_warp = lane / kGroup;
  const int first = b * block, rows = min(block, job.n - first);
  const T* base = static_cast<const T*>(is_key ? job.k : job.q) +
                  head * (is_key ? job.k_stride : job.q_stride) + static_cast<size_t>(first) * D +
                  column;
  float shift[kValues], sum[kValues] = {}, unit_sum[kValues] = {};
#pragma unroll
  for (int e = 0; e < kValues; ++e)
    shift[e] = is_key ? job.mean[head * D + column + e] : 0.0f;
  // All of a lane's loads for kUnroll passes go out before any is used, kept as raw 16-byte
  // words (half the registers of floats): a 128-row bf16 block is two rounds.
  // r0 is the same in every lane of a warp: the shuffles below need all 32.
  for (int r0 = warp * kRowsPerWarp; r0 < rows; r0 += kRowsPerPass * kUnroll) {
    uint4 raw[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int r = r0 + row_in_warp + u * kRowsPerPass;
      raw[u] = make_uint4(0u, 0u, 0u, 0u);
      if (r < rows) raw[u] = *reinterpret_cast<const uint4*>(base + static_cast<size_t>(r) * D);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const bool real = r0 + row_in_warp + u * kRowsPerPass < rows;
      const T* items = reinterpret_cast<const T*>(&raw[u]);
      float v[kValues];
      float norm2 = 0.0f;
#pragma unroll
      for (int e = 0; e < kValues; ++e) {
        v[e] = real ? to_float(items[e]) - shift[e] : 0.0f;
        norm2 += v[e] * v[e];
      }
#pragma unroll
      for (int offset = kGroup / 2; offset > 0; offset /= 2)
        norm2 += __shfl_xor_sync(0xffffffffu, norm2, offset);
      const float inverse = 1.0f / fmaxf(sqrtf(norm2), 1e-30f);
#pragma unroll
      for (int e = 0; e < kValues; ++e) {
        sum[e] += v[e];
        unit_sum[e] += v[e] * inverse;
      }
    }
  }
  // The warp's rows to one set of columns, then the four warps in order.
#pragma unroll
  for (int offset = kGroup; offset < 32; offset *= 2) {
#pragma unroll
    for (int e = 0; e < kValues; ++e) {
      sum[e] += __shfl_xor_sync(0xffffffffu, sum[e], offset);
      unit_sum[e] += __shfl_xor_sync(0xffffffffu, unit_sum[e], offset);
    }
  }
  __shared__ float partial_sum[4][D], partial_unit[4][D];
  if (row_in_warp == 0) {
#pragma unroll
    for (int e = 0; e < kValues; ++e) {
      partial_sum[warp][column + e] = sum[e];
      partial_unit[warp][column + e] = unit_sum[e];
    }
  }
  __syncthreads();
  if (warp != 0) return;
  float* pooled = is_key ? job.pooled_k : job.pooled_q;
  float norm2 = 0.0f;
  for (int d = lane; d < D; d += 32) {
    const float s = partial_sum[0][d] + partial_sum[1][d] + partial_sum[2][d] + partial_sum[3][d];
    const float u =
        partial_unit[0][d] + partial_unit[1][d] + partial_unit[2][d] + partial_unit[3][d];
    pooled[(static_cast<size_t>(head) * blocks + b) * D + d] = s / static_cast<float>(rows);
    norm2 += u * u;
  }
  for (int offset = 16; offset > 0; offset /= 2)
    norm2 += __shfl_xor_sync(0xffffffffu, norm2, offset);
  if (lane == 0) {
    float* coherence = is_key ? job.coherence_k : job.coherence_q;
    coherence[head * blocks + b] =
        rows < block ? -INFINITY : fminf(norm2 / static_cast<float>(block * block), 1.0f);
  }
}

// Ŝ[h, i, j] = pool(Q_i)·pool(K̃_j) · (1/√D) for visible blocks, in 64 × 64 tiles: each of
// 256 threads holds 4 × 4 outputs, so a step of d reads 8 values from shared memory for 16 FMAs
// (the 32 × 32 version read 5 for 4). Each output still sums d in ascending order.
__global__ void compressed_scores(const float* pooled_q, const float* pooled_k, int query_blocks,
                                  int key_blocks, int dim, int group, int block_q, int block_k,
                                  int n, float inverse_sqrt_dim, float* scores) {
  constexpr int kTile = 64, kChunk = 32, kPer = 4;
  const int head = blockIdx.z, kv_head = head / group;
  const int i0 = blockIdx.y * kTile, j0 = blockIdx.x * kTile;
  const int last_row = min(n, (i0 + kTile) * block_q) - 1;
  if (j0 * block_k > last_row) return;  // the whole tile lies above the causal edge
  __shared__ float a[kTile][kChunk + 1], b[kTile][kChunk + 1];
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;  // 16 × 16 threads
  float acc[kPer][kPer] = {};
  const float* qh = pooled_q + static_cast<size_t>(head) * query_blocks * dim;
  const float* kh = pooled_k + static_cast<size_t>(kv_head) * key_blocks * dim;
  for (int d0 = 0; d0 < dim; d0 += kChunk) {
    for (int e = threadIdx.x; e < kTile * kChunk; e += 256) {
      const int r = e / kChunk, d = e % kChunk;
      a[r][d] = i0 + r < query_blocks ? qh[static_cast<size_t>(i0 + r) * dim + d0 + d] : 0.0f;
      b[r][d] = j0 + r < key_blocks ? kh[static_cast<size_t>(j0 + r) * dim + d0 + d] : 0.0f;
    }
    __syncthreads();
#pragma unroll 8
    for (int d = 0; d < kChunk; ++d) {
      float qa[kPer], kb[kPer];
#pragma unroll
      for (int r = 0; r < kPer; ++r) {
        qa[r] = a[ty + 16 * r][d];
        kb[r] = b[tx + 16 * r][d];
      }
#pragma unroll
      for (int r = 0; r < kPer; ++r) {
#pragma unroll
        for (int c = 0; c < kPer; ++c)
          acc[r][c] += qa[r] * kb[c];
      }
    }
    __syncthreads();
  }
#pragma unroll
  for (int r = 0; r < kPer; ++r) {
#pragma unroll
    for (int c = 0; c < kPer; ++c) {
      const int i = i0 + ty + 16 * r, j = j0 + tx + 16 * c;
      if (i < query_blocks && j < key_blocks)
        scores[(static_cast<size_t>(head) * query_blocks + i) * key_blocks + j] =
            acc[r][c] * inverse_sqrt_dim;
    }
  }
}

__device__ __forceinline__ int visible_key_blocks(int i, int n, int block_q, int block_k) {
  const int last_row = min(n, (i + 1) * block_q) - 1;
  return last_row / block_k + 1;
}

// True when (key a, column a) comes before (key b, column b): descending Ŝ, ties to the lower
// column (std::stable_sort's order on a row in column order).
__device__ __forceinline__ bool comes_first(float key_a, int column_a, float key_b, int column_b) {
  return key_a > key_b || (key_a == key_b && column_a < column_b);
}

// One warp per row of up to 32·E columns, held in registers (element e of lane l is position
// 32·e + l): a bitonic network whose partners are other lanes (shuffles) for distances under
// 32 and the lane's own registers above. Padding sorts last. Far cheaper than the
// shared-memory sort below, which stays for rows longer than 1024 columns.
template <int E>
__device__ __forceinline__ void sort_row_in_warp(const float* scores, int visible, int lane,
                                                 int32_t* order) {
  constexpr int kSize = 32 * E;
  float key[E];
  int column[E];
#pragma unroll
  for (int e = 0; e < E; ++e) {
    const int position = 32 * e + lane;
    key[e] = position < visible ? scores[position] : -INFINITY;
    column[e] = position < visible ? position : 0x7fffffff;
  }
#pragma unroll
  for (int run = 2; run <= kSize; run *= 2) {
#pragma unroll
    for (int distance = run / 2; distance > 0; distance /= 2) {
#pragma unroll
      for (int e = 0; e < E; ++e) {
        const int position = 32 * e + lane;
        const bool first_run = (position & run) == 0;  // this run puts the "first" element first
        if (distance >= 32) {
          const int partner = e ^ (distance / 32);
          if (partner < e) continue;
          if (comes_first(key[partner], column[partner], key[e], column[e]) == first_run) {
            const float k = key[e];
            key[e] = key[partner];
            key[partner] = k;
            const int c = column[e];
            column[e] = column[partner];
            column[partner] = c;
          }
        } else {
          const float other_key = __shfl_xor_sync(0xffffffffu, key[e], distance);
          const int other_column = __shfl_xor_sync(0xffffffffu, column[e], distance);
          const bool lower = (lane & distance) == 0;
          const bool mine_first = comes_first(key[e], column[e], other_key, other_column);
          if (mine_first != (lower == first_run)) {
            key[e] = other_key;
            column[e] = other_column;
          }
        }
      }
    }
  }
#pragma unroll
  for (int e = 0; e < E; ++e) {
    const int position = 32 * e + lane;
    if (position < visible) order[position] = column[e];
  }
}

template <int E>
__device__ __forceinline__ void sort_row_sized(const float* scores, int visible, int lane,
                                               int32_t* order) {
  if constexpr (E > 1) {
    if (visible <= 16 * E) return sort_row_sized<E / 2>(scores, visible, lane, order);
  }
  sort_row_in_warp<E>(scores, visible, lane, order);
}

// One warp per row, sorted in the smallest register network that holds its visible columns:
// under the causal edge a row sees from one to all key blocks, and a network of 32·E costs
// ∝ E·log²(32·E), so sizing per row halves the work of one size for all.
template <int E>
__global__ void sort_rows_in_warps(const float* scores, int query_blocks, int key_blocks, int n,
                                   int block_q, int block_k, int32_t* order) {
  const int i = blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32, head = blockIdx.y;
  const int lane = threadIdx.x % 32;
  if (i >= query_blocks) return;
  const int visible = visible_key_blocks(i, n, block_q, block_k);
  const size_t row = (static_cast<size_t>(head) * query_blocks + i) * key_blocks;
  sort_row_sized<E>(scores + row, visible, lane, order + row);
}

// Each row's visible columns by descending Ŝ, ties to the lower column (a bitonic sort of
// (score, column) pairs in shared memory; equal to std::stable_sort's order).
__global__ void sort_rows(const float* scores, int query_blocks, int key_blocks, int n, int block_q,
                          int block_k, int32_t* order) {
  extern __shared__ unsigned char sort_shared[];
  const int i = blockIdx.x, head = blockIdx.y;
  const int visible = visible_key_blocks(i, n, block_q, block_k);
  int size = 1;
  while (size < visible)
    size *= 2;
  float* key = reinterpret_cast<float*>(sort_shared);
  int* column = reinterpret_cast<int*>(key + size);
  const size_t row = (static_cast<size_t>(head) * query_blocks + i) * key_blocks;
  for (int t = threadIdx.x; t < size; t += blockDim.x) {
    key[t] = t < visible ? scores[row + t] : -INFINITY;
    column[t] = t < visible ? t : 0x7fffffff;
  }
  __syncthreads();
  for (int k = 2; k <= size; k *= 2) {
    for (int j = k / 2; j > 0; j /= 2) {
      for (int t = threadIdx.x; t < size; t += blockDim.x) {
        const int partner = t ^ j;
        if (partner <= t) continue;
        const bool before = comes_first(key[partner], column[partner], key[t], column[t]);
        const bool ascending_run = (t & k) == 0;  // this run puts the "first" element first
        if (before == ascending_run) {
          const float kf = key[t];
          key[t] = key[partner];
          key[partner] = kf;
          const int c = column[t];
          column[t] = column[partner];
          column[partner] = c;
        }
      }
      __syncthreads();
    }
  }
  for (int t = threadIdx.x; t < visible; t += blockDim.x)
    order[row + t] = column[t];
}

struct SelectArgs {
  const float* coherence_q;
  const float* coherence_k;
  const float* scores;
  const int32_t* order;
  int query_heads, group, query_blocks, key_blocks, n, block_q, block_k;
};

constexpr int kSelectWarps = 4;

__device__ __forceinline__ void keep(unsigned* words, int j) {
  atomicOr(&words[j / 32], 1u << (j % 32));
}

// One warp per (job, query block): the rule, then the forced blocks, then the kept columns in
// ascending order.
__global__ void select_rows(SelectArgs a, const afbs_mask_job* jobs, int32_t* lut,
                            int32_t* counts) {
  extern __shared__ unsigned select_words[];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int i = blockIdx.x * kSelectWarps + warp, t = blockIdx.y;
  const int word_count = (a.key_blocks + 31) / 32;
  unsigned* words = select_words + warp * word_count;
  for (int w = lane; w < word_count; w += 32)
    words[w] = 0u;
  __syncwarp();
  if (i >= a.query_blocks) return;
  const afbs_mask_job job = jobs[t];
  const int visible = visible_key_blocks(i, a.n, a.block_q, a.block_k);
  const int kv_head = job.head / a.group;
  const size_t row = (static_cast<size_t>(job.head) * a.query_blocks + i) * a.key_blocks;
  const int32_t* order = a.order + row;
  const float* scores = a.scores + row;
  const float* key_coherence = a.coherence_k + static_cast<size_t>(kv_head) * a.key_blocks;

  bool all = job.rule == AFBS_RULE_DENSE;
  if (job.rule == AFBS_RULE_CUMULATIVE) {
    const float theta = job.theta;
    if (!(a.coherence_q[job.head * a.query_blocks + i] > theta)) {
      all = true;
    } else {
      // Pass 1: incoherent columns are kept; the first coherent one gives the maximum;
      // the inclusive scan of the weights gives the total. Pass 2 repeats the same scan
      // (identical sums) and keeps what stays within τ·total.
      float row_max = 0.0f, total = 0.0f;
      bool found = false;
      for (int pass = 0; pass < 2; ++pass) {
        float carry = 0.0f;
        int rank_base = 0;
        for (int r0 = 0; r0 < visible; r0 += 32) {
          const int r = r0 + lane;
          const int j = r < visible ? order[r] : 0;
          const bool coherent = r < visible && key_coherence[j] > theta;
          const unsigned ballot = __ballot_sync(0xffffffffu, coherent);
          if (pass == 0) {
            if (r < visible && !coherent) keep(words, j);
            if (!found && ballot) {
              row_max = __shfl_sync(0xffffffffu, coherent ? scores[j] : 0.0f, __ffs(ballot) - 1);
              found = true;
            }
          }
          float c = coherent ? expf(scores[j] - row_max) : 0.0f;
          for (int offset = 1; offset < 32; offset *= 2) {
            const float up = __shfl_up_sync(0xffffffffu, c, offset);
            if (lane >= offset) c += up;
          }
          c += carry;
          if (pass == 1 && coherent) {
            const int rank = rank_base + __popc(ballot & ((1u << lane) - 1u));
            if (rank == 0 || c <= job.tau * total) keep(words, j);
          }
          carry = __shfl_sync(0xffffffffu, c, 31);
          rank_base += __popc(ballot);
        }
        if (pass == 0) total = carry;
        if (!found) break;
      }
    }
  } else if (job.rule == AFBS_RULE_TOP_FRACTION) {
    const double wanted = ceil(job.parameter * visible - 1e-9);
    const int count = static_cast<int>(fmin(fmax(wanted, 1.0), static_cast<double>(visible)));
    for (int r = lane; r < count; r += 32)
      keep(words, order[r]);
  } else if (job.rule == AFBS_RULE_SLIDING_WINDOW) {
    const double first_row = static_cast<double>(i) * a.block_q;
    for (int j = lane; j < visible; j += 32) {
      const int last_key = min(a.n, (j + 1) * a.block_k) - 1;
      if (static_cast<double>(last_key) >= first_row - job.parameter + 1.0) keep(words, j);
    }
  }
  const int first_diagonal = (i * a.block_q) / a.block_k;
  for (int j = lane; j < visible; j += 32) {
    if (all || j == 0 || j >= first_diagonal) keep(words, j);
  }
  __syncwarp();

  int32_t* out = lut + (static_cast<size_t>(t) * a.query_blocks + i) * a.key_blocks;
  int written = 0;
  for (int w0 = 0; w0 < word_count; w0 += 32) {
    const int w = w0 + lane;
    unsigned bits = w < word_count ? words[w] : 0u;
    int offset = __popc(bits);
    for (int step = 1; step < 32; step *= 2) {
      const int up = __shfl_up_sync(0xffffffffu, offset, step);
      if (lane >= step) offset += up;
    }
    const int total_here = __shfl_sync(0xffffffffu, offset, 31);
    offset += written - __popc(bits);
    while (bits) {
      const int b = __ffs(bits) - 1;
      out[offset++] = w * 32 + b;
      bits &= bits - 1;
    }
    written += total_here;
  }
  if (lane == 0) counts[static_cast<size_t>(t) * a.query_blocks + i] = written;
}

// Rows are searched instead of sorted when the caller asks and a row fits the warp's registers.
__host__ __device__ __forceinline__ bool searches_rows(const afbs_predict_shape& s) {
  return s.search_rows != 0 && (s.length + s.block_k - 1) / s.block_k <= 1024;
}

// Ŝ as an unsigned key in the same order (larger score, larger key). −0 and +0 are one key:
// they compare equal, and Ŝ is exactly 0 wherever a pooled K̃ block is (the sorts' ties).
__device__ __forceinline__ unsigned ordered_key(float x) {
  const unsigned bits = x == 0.0f ? 0u : __float_as_uint(x);
  return bits & 0x80000000u ? ~bits : bits | 0x80000000u;
}

__device__ __forceinline__ float warp_sum(float x) {
  for (int offset = 16; offset > 0; offset /= 2)
    x += __shfl_xor_sync(0xffffffffu, x, offset);
  return x;
}

// The cut of a row without sorting it: the largest key T whose "weight at or above T" still
// exceeds the budget, found bit by bit (the weight only falls as T rises). Members above T lie
// before the cut in the sorted order; members equal to T (ties) are taken in column order
// while the running weight allows, like the sorted walk. Bit e of `members` / `kept` is the
// lane's element e; `weight(e)` is read for members only. `first_always` keeps the row's first
// member (the cumulative rule's r = 0). The sums run in another order than the sorted walk's,
// so a decision may differ where the reference's c_r / c_last is within fp32 rounding of τ
// (tests/gpu/check_kernels_on_gpu counts those).
template <int E, typename Weight>
__device__ __forceinline__ unsigned keep_above_cut(const unsigned (&key)[E], unsigned members,
                                                   Weight weight, float budget, bool first_always,
                                                   int lane) {
  auto weight_from = [&](unsigned t) {
    float f = 0.0f;
#pragma unroll
    for (int e = 0; e < E; ++e)
      f += (members >> e & 1u) && key[e] >= t ? weight(e) : 0.0f;
    return warp_sum(f);
  };
  if (!(weight_from(0u) > budget)) return members;  // everything fits
  unsigned cut = 0u;
  for (int bit = 31; bit >= 0; --bit) {
    const unsigned candidate = cut | (1u << bit);
    if (weight_from(candidate) > budget) cut = candidate;
  }
  unsigned kept = 0u;
  bool any_above = false;
#pragma unroll
  for (int e = 0; e < E; ++e) {
    const bool above = (members >> e & 1u) && key[e] > cut;
    kept |= above ? 1u << e : 0u;
    any_above = any_above || above;
  }
  bool first_tie = first_always && !__any_sync(0xffffffffu, any_above);
  float carry = cut == 0xffffffffu ? 0.0f : weight_from(cut + 1u);
#pragma unroll
  for (int e = 0; e < E; ++e) {  // ties in column order: position 32·e + lane
    const bool tie = (members >> e & 1u) && key[e] == cut;
    float c = tie ? weight(e) : 0.0f;
    for (int offset = 1; offset < 32; offset *= 2) {
      const float up = __shfl_up_sync(0xffffffffu, c, offset);
      if (lane >= offset) c += up;
    }
    c += carry;
    const unsigned ties = __ballot_sync(0xffffffffu, tie);
    const bool is_first = first_tie && ties && lane == __ffs(ties) - 1;
    if (tie && (c <= budget || is_first)) kept |= 1u << e;
    if (ties) first_tie = false;
    carry = __shfl_sync(0xffffffffu, c, 31);
  }
  return kept;
}

// One (job, query block) of afbs_predict_select without a sorted order: the row's columns in
// registers (element e of lane l is column 32·e + l), E·32 ≥ the visible columns.
template <int E>
__device__ void select_row_searched(const SelectArgs& a, const afbs_mask_job& job, int i,
                                    int visible, int lane, int32_t* out, int32_t* count) {
  static_assert(E <= 32, "one bit per element in a word");
  const int kv_head = job.head / a.group;
  const size_t row = (static_cast<size_t>(job.head) * a.query_blocks + i) * a.key_blocks;
  const float* scores = a.scores + row;
  const float* key_coherence = a.coherence_k + static_cast<size_t>(kv_head) * a.key_blocks;
  const int first_diagonal = (i * a.block_q) / a.block_k;
  const bool all =
      job.rule == AFBS_RULE_DENSE || (job.rule == AFBS_RULE_CUMULATIVE &&
                                      !(a.coherence_q[job.head * a.query_blocks + i] > job.theta));
  unsigned kept = 0u, visible_bits = 0u;
#pragma unroll
  for (int e = 0; e < E; ++e) {
    const int j = 32 * e + lane;
    if (j < visible) visible_bits |= 1u << e;
    if (j < visible && (all || j == 0 || j >= first_diagonal)) kept |= 1u << e;
  }
  if (!all && job.rule == AFBS_RULE_CUMULATIVE) {
    unsigned key[E], members = 0u;
    float w[E];
    float row_max = -INFINITY;
#pragma unroll
    for (int e = 0; e < E; ++e) {
      const int j = 32 * e + lane;
      w[e] = j < visible ? scores[j] : -INFINITY;
      key[e] = ordered_key(w[e]);
      if (j < visible && key_coherence[j] > job.theta) {
        members |= 1u << e;
        row_max = fmaxf(row_max, w[e]);
      }
    }
    kept |= visible_bits & ~members;  // incoherent columns are forced
    for (int offset = 16; offset > 0; offset /= 2)
      row_max = fmaxf(row_max, __shfl_xor_sync(0xffffffffu, row_max, offset));
    if (__any_sync(0xffffffffu, members != 0u)) {
      float total = 0.0f;
#pragma unroll
      for (int e = 0; e < E; ++e) {
        w[e] = members >> e & 1u ? expf(w[e] - row_max) : 0.0f;
        total += w[e];
      }
      total = warp_sum(total);
      kept |= keep_above_cut<E>(
          key, members, [&](int e) { return w[e]; }, job.tau * total, true, lane);
    }
  } else if (!all && job.rule == AFBS_RULE_TOP_FRACTION) {
    const double wanted = ceil(job.parameter * visible - 1e-9);
    const int count_wanted =
        static_cast<int>(fmin(fmax(wanted, 1.0), static_cast<double>(visible)));
    unsigned key[E];
#pragma unroll
    for (int e = 0; e < E; ++e) {
      const int j = 32 * e + lane;
      key[e] = ordered_key(j < visible ? scores[j] : -INFINITY);
    }
    // Counting by weight 1: exact in fp32 for any row that fits (≤ 1024 columns).
    kept |= keep_above_cut<E>(
        key, visible_bits, [](int) { return 1.0f; }, static_cast<float>(count_wanted), false, lane);
  } else if (!all && job.rule == AFBS_RULE_SLIDING_WINDOW) {
    const double first_row = static_cast<double>(i) * a.block_q;
#pragma unroll
    for (int e = 0; e < E; ++e) {
      const int j = 32 * e + lane;
      const int last_key = min(a.n, (j + 1) * a.block_k) - 1;
      if (j < visible && static_cast<double>(last_key) >= first_row - job.parameter + 1.0)
        kept |= 1u << e;
    }
  }
  int written = 0;
#pragma unroll
  for (int e = 0; e < E; ++e) {
    const bool mine = kept >> e & 1u;
    const unsigned ballot = __ballot_sync(0xffffffffu, mine);
    if (mine) out[written + __popc(ballot & ((1u << lane) - 1u))] = 32 * e + lane;
    written += __popc(ballot);
  }
  if (lane == 0) *count = written;
}

template <int E>
__device__ void select_row_searched_sized(const SelectArgs& a, const afbs_mask_job& job, int i,
                                          int visible, int lane, int32_t* out, int32_t* count) {
  if constexpr (E > 1) {
    if (visible <= 16 * E)
      return select_row_searched_sized<E / 2>(a, job, i, visible, lane, out, count);
  }
  select_row_searched<E>(a, job, i, visible, lane, out, count);
}

// afbs_predict_select on unsorted rows: one warp per (job, query block), each row in the
// smallest register array that holds its visible columns.
__global__ void select_rows_searched(SelectArgs a, const afbs_mask_job* jobs, int32_t* lut,
                                     int32_t* counts) {
  const int i = blockIdx.x * kSelectWarps + threadIdx.x / 32, t = blockIdx.y;
  const int lane = threadIdx.x % 32;
  if (i >= a.query_blocks) return;
  const afbs_mask_job job = jobs[t];
  const int visible = visible_key_blocks(i, a.n, a.block_q, a.block_k);
  int32_t* out = lut + (static_cast<size_t>(t) * a.query_blocks + i) * a.key_blocks;
  select_row_searched_sized<32>(a, job, i, visible, lane, out,
                                counts + static_cast<size_t>(t) * a.query_blocks + i);
}

bool valid(const afbs_predict_shape& s) {
  const bool shape_ok = (s.block_q == 64 && s.block_k == 64) ||
                        (s.block_q == 128 && s.block_k == 64) ||
                        (s.block_q == 64 && s.block_k == 128);
  return shape_ok && (s.head_dim == 64 || s.head_dim == 128) && s.length > 0 && s.kv_heads > 0 &&
         s.query_heads > 0 && s.query_heads % s.kv_heads == 0 &&
         (s.dtype == AFBS_F32 || s.dtype == AFBS_F16 || s.dtype == AFBS_BF16) &&
         (s.length + s.block_k - 1) / s.block_k <= kMaxKeyBlocks;
}

template <typename T, int D>
cudaError_t pool(const afbs_predict_shape& s, const void* q, const void* k, char* base,
                 const Workspace& w, cudaStream_t stream) {
  const int nq = (s.length + s.block_q - 1) / s.block_q,
            nk = (s.length + s.block_k - 1) / s.block_k;
  float* partial = reinterpret_cast<float*>(base + w.key_partial);
  float* mean = reinterpret_cast<float*>(base + w.key_mean);
  const int64_t q_stride = s.q_head_stride ? s.q_head_stride : static_cast<int64_t>(s.length) * D;
  const int64_t k_stride = s.k_head_stride ? s.k_head_stride : static_cast<int64_t>(s.length) * D;
  key_sum_partial<T, D><<<dim3(kMeanSplits, s.kv_heads), 256, 0, stream>>>(
      static_cast<const T*>(k), s.length, k_stride, partial);
  key_mean_final<<<s.kv_heads, 8 * D, 0, stream>>>(partial, s.length, D, mean);
  const PoolJob job{q,
                    k,
                    q_stride,
                    k_stride,
                    mean,
                    s.length,
                    s.block_q,
                    s.block_k,
                    nq,
                    nk,
                    s.query_heads,
                    reinterpret_cast<float*>(base + w.pooled_q),
                    reinterpret_cast<float*>(base + w.coherence_q),
                    reinterpret_cast<float*>(base + w.pooled_k),
                    reinterpret_cast<float*>(base + w.coherence_k)};
  pool_blocks<T, D><<<nq * s.query_heads + nk * s.kv_heads, 128, 0, stream>>>(job);
  return cudaGetLastError();
}

template <typename T>
cudaError_t pool_dtype(const afbs_predict_shape& s, const void* q, const void* k, char* base,
                       const Workspace& w, cudaStream_t stream) {
  return s.head_dim == 64 ? pool<T, 64>(s, q, k, base, w, stream)
                          : pool<T, 128>(s, q, k, base, w, stream);
}

}  // namespace

extern "C" size_t afbs_predict_workspace_bytes(afbs_predict_shape shape) {
  return valid(shape) ? layout(shape).bytes : 0;
}

extern "C" cudaError_t afbs_predict_prepare(const void* q, const void* k, afbs_predict_shape s,
                                            void* workspace, cudaStream_t stream) {
  if (!q || !k || !workspace || !valid(s)) return cudaErrorInvalidValue;
  // Rows are read in 16-byte (K) and 4-16 byte (Q, K) vector loads.
  const int element = s.dtype == AFBS_F32 ? 4 : 2;
  auto aligned = [](const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; };
  if (!aligned(q) || !aligned(k) || (s.q_head_stride * element) % 16 != 0 ||
      (s.k_head_stride * element) % 16 != 0) {
    return cudaErrorInvalidValue;
  }
  const Workspace w = layout(s);
  char* base = static_cast<char*>(workspace);
  cudaError_t status = s.dtype == AFBS_F32    ? pool_dtype<float>(s, q, k, base, w, stream)
                       : s.dtype == AFBS_BF16 ? pool_dtype<__nv_bfloat16>(s, q, k, base, w, stream)
                                              : pool_dtype<__half>(s, q, k, base, w, stream);
  if (status != cudaSuccess) return status;
  const int nq = (s.length + s.block_q - 1) / s.block_q,
            nk = (s.length + s.block_k - 1) / s.block_k;
  float* scores = reinterpret_cast<float*>(base + w.scores);
  const dim3 tiles((nk + 63) / 64, (nq + 63) / 64, s.query_heads);
  compressed_scores<<<tiles, 256, 0, stream>>>(
      reinterpret_cast<const float*>(base + w.pooled_q),
      reinterpret_cast<const float*>(base + w.pooled_k), nq, nk, s.head_dim,
      s.query_heads / s.kv_heads, s.block_q, s.block_k, s.length,
      1.0f / sqrtf(static_cast<float>(s.head_dim)), scores);
  if (searches_rows(s)) return cudaGetLastError();
  int32_t* order = reinterpret_cast<int32_t*>(base + w.order);
  if (nk <= 1024) {
    const dim3 warps((nq + 3) / 4, s.query_heads);
    if (nk <= 32) {
      sort_rows_in_warps<1>
          <<<warps, 128, 0, stream>>>(scores, nq, nk, s.length, s.block_q, s.block_k, order);
    } else if (nk <= 64) {
      sort_rows_in_warps<2>
          <<<warps, 128, 0, stream>>>(scores, nq, nk, s.length, s.block_q, s.block_k, order);
    } else if (nk <= 128) {
      sort_rows_in_warps<4>
          <<<warps, 128, 0, stream>>>(scores, nq, nk, s.length, s.block_q, s.block_k, order);
    } else if (nk <= 256) {
      sort_rows_in_warps<8>
          <<<warps, 128, 0, stream>>>(scores, nq, nk, s.length, s.block_q, s.block_k, order);
    } else if (nk <= 512) {
      sort_rows_in_warps<16>
          <<<warps, 128, 0, stream>>>(scores, nq, nk, s.length, s.block_q, s.block_k, order);
    } else {
      sort_rows_in_warps<32>
          <<<warps, 128, 0, stream>>>(scores, nq, nk, s.length, s.block_q, s.block_k, order);
    }
    return cudaGetLastError();
  }
  int size = 1;
  while (size < nk)
    size *= 2;
  const size_t sort_bytes = size * (sizeof(float) + sizeof(int));
  status = cudaFuncSetAttribute(sort_rows, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                static_cast<int>(sort_bytes));
  if (status != cudaSuccess) return status;
  sort_rows<<<dim3(nq, s.query_heads), 512, sort_bytes, stream>>>(scores, nq, nk, s.length,
                                                                  s.block_q, s.block_k, order);
  return cudaGetLastError();
}

extern "C" cudaError_t afbs_predict_select(const void* workspace, afbs_predict_shape s,
                                           const afbs_mask_job* jobs, int job_count, int32_t* lut,
                                           int32_t* counts, cudaStream_t stream) {
  if (!workspace || !jobs || !lut || !counts || !valid(s) || job_count <= 0 || job_count > 65535)
    return cudaErrorInvalidValue;
  const Workspace w = layout(s);
  const char* base = static_cast<const char*>(workspace);
  SelectArgs a{reinterpret_cast<const float*>(base + w.coherence_q),
               reinterpret_cast<const float*>(base + w.coherence_k),
               reinterpret_cast<const float*>(base + w.scores),
               reinterpret_cast<const int32_t*>(base + w.order),
               s.query_heads,
               s.query_heads / s.kv_heads,
               (s.length + s.block_q - 1) / s.block_q,
               (s.length + s.block_k - 1) / s.block_k,
               s.length,
               s.block_q,
               s.block_k};
  const dim3 grid((a.query_blocks + kSelectWarps - 1) / kSelectWarps, job_count);
  if (searches_rows(s)) {
    select_rows_searched<<<grid, 32 * kSelectWarps, 0, stream>>>(a, jobs, lut, counts);
    return cudaGetLastError();
  }
  const size_t shared = sizeof(unsigned) * kSelectWarps * ((a.key_blocks + 31) / 32);
  select_rows<<<grid, 32 * kSelectWarps, shared, stream>>>(a, jobs, lut, counts);
  return cudaGetLastError();
}
