// Block-sparse causal flash attention, forward, for sm_90a (H100/H200): the same algorithm and
// contract as sparse_attention_sm80.cuh, warp-specialised in the manner of FlashAttention-3.
// A CTA runs (job, query block) tiles in launch order (a job's longest rows first): one, or —
// persistent, one CTA per SM — the next from a launch-wide counter until none is left, so the
// next tile's Q and first K/V steps load while this tile's last steps and epilogue run (a CTA
// per tile exposes that latency once per tile, which weighs at high sparsity, where a row has
// few steps). A shared counter, not a fixed stride, keeps the tiles in flight contiguous, as the
// hardware's own dispatch does: a stride let CTAs drift apart over heads (L2) and finish unevenly.
//  - a producer warpgroup (one thread) takes the tiles, writes each one's index beside its Q
//    slot (two: the next Q loads during this tile) and loads Q and each step's K and V tiles
//    with TMA into a ring of `kRing` steps that runs on across tiles, each slot guarded by
//    mbarriers (full: bytes landed; empty: every consumer warp is done reading), so no
//    CTA-wide barrier is ever needed;
//  - each consumer warpgroup owns 64 query rows. Per step it issues S = Q·Kᵀ for this step and
//    O += P·V for the previous one back to back, then runs the softmax of this step while the
//    tensor cores work (intra-warpgroup overlap); with two consumers a turn barrier makes them
//    take the tensor cores alternately (ping-pong), so one's softmax hides the other's products.
// Both products are wgmma; Q and K come from shared-memory descriptors (K-major), V as the
// transposed operand, P from registers. Tiles are in the 128-byte swizzle that TMA writes and
// wgmma reads: 64 columns (128 bytes) per region, 16-byte chunk c of row r at c ^ (r % 8).
// Built only for sm_90a (its own target); sparse_attention.cu picks it on compute capability 9.0.

#include <cudaTypedefs.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <mutex>

#include "kernels/afbs_kernels.h"
#include "kernels/attention_epilogue.cuh"
#include "kernels/fast_exp2.cuh"
#include "kernels/mma_sm80.cuh"
#include "kernels/sm90_sync.cuh"
#include "kernels/wgmma_sm90.cuh"

namespace afbs_kernels {
namespace {

constexpr float kLog2E = 1.44269504088896340736f;
constexpr float kPvSkipOff = 50.0f;
constexpr int kVoteBarrier = 1;  // named barriers among the consumers: PV-skip votes, epilogue
constexpr int kTurnBarrier = 2;  // + consumer index: that consumer's turn at the tensor cores

// kPair: kept blocks of 64 keys go two at a time, so every product has N or K = 128 (dense at
// 32k: 13.9 against 15.5 ms at D 64; bench/results/kernels/NOTES.md).
template <int D, int BQ, int BK>
struct Sm90Traits {
  static constexpr int kConsumers = BQ / 64;
  // A 64-row tile has one consumer warpgroup, so nothing overlaps its softmax inside the CTA:
  // at D 64 with 64-key blocks two CTAs share an SM instead (128 registers a thread, single
  // 64-key steps; pairs would spill), and one's softmax runs under the other's products.
  static constexpr int kCtasPerSm = kConsumers == 1 && D == 64 && BK == 64 ? 2 : 1;
  static constexpr int kConsumerThreads = 128 * kConsumers;
  static constexpr int kThreads = kConsumerThreads + 128;  // + the producer warpgroup
  static constexpr int kPair = BK == 64 && kCtasPerSm == 1 ? 2 : 1;
  static constexpr int kKeys = kPair * BK;  // keys per step
  static constexpr int kRing = 2;           // steps in flight (3 measured the same)
  static constexpr int kQBytes = BQ * D * 2;
  static constexpr int kStepBytes = kKeys * D * 2;  // one step's K (or V)
  static constexpr int kQSlots = 2;                 // the next tile's Q loads during this tile
  static constexpr int kBarriers = 2 * kQSlots + 4 * kRing;
  static constexpr int kSharedBytes =
      1024 + kQSlots * kQBytes + 2 * kRing * kStepBytes + 8 * kBarriers + 4 * kQSlots;
};

template <typename T, int D, int BQ, int BK>
__global__ void __launch_bounds__(Sm90Traits<D, BQ, BK>::kThreads,
                                  Sm90Traits<D, BQ, BK>::kCtasPerSm)
    sparse_attention_wgmma(const afbs_attention_args args,
                           const __grid_constant__ CUtensorMap q_map,
                           const __grid_constant__ CUtensorMap k_map,
                           const __grid_constant__ CUtensorMap v_map, int* tile_counter) {
  using Traits = Sm90Traits<D, BQ, BK>;
  constexpr int kConsumers = Traits::kConsumers, kConsumerThreads = Traits::kConsumerThreads;
  constexpr int kPair = Traits::kPair, kKeys = Traits::kKeys, kRing = Traits::kRing;
  constexpr int kStepBytes = Traits::kStepBytes, kDimTiles = D / 8, kQSlots = Traits::kQSlots;
  constexpr bool kPingPong = kConsumers == 2;

  extern __shared__ uint8_t shared_bytes[];
  // The swizzle pattern repeats every 1024 bytes, and TMA needs the tiles aligned to it.
  const uint32_t q_tiles = (shared_address(shared_bytes) + 1023) & ~1023u;
  const uint32_t k_ring = q_tiles + kQSlots * Traits::kQBytes;
  const uint32_t v_ring = k_ring + kRing * kStepBytes;
  const uint32_t barriers = v_ring + kRing * kStepBytes;
  auto q_full = [&](int slot) { return barriers + 8 * slot; };
  auto q_empty = [&](int slot) { return barriers + 8 * (kQSlots + slot); };
  auto full_k = [&](int slot) { return barriers + 8 * (2 * kQSlots + slot); };
  auto full_v = [&](int slot) { return barriers + 8 * (2 * kQSlots + kRing + slot); };
  auto empty_k = [&](int slot) { return barriers + 8 * (2 * kQSlots + 2 * kRing + slot); };
  auto empty_v = [&](int slot) { return barriers + 8 * (2 * kQSlots + 3 * kRing + slot); };
  // The tile index beside each Q slot (−1: no tile left), published by the slot's q_full.
  volatile int* tile_of = reinterpret_cast<volatile int*>(
      shared_bytes + (barriers + 8 * Traits::kBarriers - shared_address(shared_bytes)));

  const int n = args.length;
  const int query_blocks = (n + BQ - 1) / BQ, key_blocks = (n + BK - 1) / BK;
  const int tiles = query_blocks * args.job_count;
  // Tile t is job t / query_blocks, its rows longest first.
  struct Tile {
    int job, head, kv_head, first_row, count, steps;
    size_t row_slot;
    const int32_t* columns;
  };
  auto tile_at = [&](int t) {
    Tile tile;
    tile.job = t / query_blocks;
    const int block_row = query_blocks - 1 - t % query_blocks;
    tile.head = args.job_head ? args.job_head[tile.job] : tile.job;
    tile.kv_head = tile.head / (args.query_heads / args.kv_heads);
    tile.first_row = block_row * BQ;
    const int rows = min(BQ, n - tile.first_row);
    const int visible = (tile.first_row + rows - 1) / BK + 1;
    tile.row_slot = static_cast<size_t>(tile.job) * query_blocks + block_row;
    tile.columns = args.lut ? args.lut + tile.row_slot * key_blocks : nullptr;
    tile.count = args.lut ? args.counts[tile.row_slot] : visible;
    tile.steps = max(1, (tile.count + kPair - 1) / kPair);  // an empty row still runs one step
    return tile;
  };

  const int thread = threadIdx.x;
  if (thread == 0) {
    for (int slot = 0; slot < kQSlots; ++slot) {
      mbarrier_init(q_full(slot), 1);
      mbarrier_init(q_empty(slot), 4 * kConsumers);
    }
    for (int slot = 0; slot < kRing; ++slot) {
      mbarrier_init(full_k(slot), 1);
      mbarrier_init(full_v(slot), 1);
      mbarrier_init(empty_k(slot), 4 * kConsumers);  // one arrival per consumer warp
      mbarrier_init(empty_v(slot), 4 * kConsumers);
    }
    asm volatile("fence.mbarrier_init.release.cluster;\n" ::: "memory");
  }
  __syncthreads();

  const int group = thread / 128;
  if (group == kConsumers) {  // the producer
    if constexpr (kPingPong) asm volatile("setmaxnreg.dec.sync.aligned.u32 24;\n" ::: "memory");
    if (thread % 128 != 0) return;
    // Ring slots and parities count steps over all of this CTA's tiles.
    int step_base = 0;
    for (int it = 0;; ++it) {
      const int q_slot = it % kQSlots, q_use = it / kQSlots;
      int t = static_cast<int>(blockIdx.x);
      if (it > 0) t = tile_counter ? gridDim.x + atomicAdd(tile_counter, 1) : tiles;
      if (q_use > 0) mbarrier_wait(q_empty(q_slot), (q_use - 1) & 1);
      tile_of[q_slot] = t < tiles ? t : -1;
      if (t >= tiles) {
        mbarrier_arrive(q_full(q_slot));  // releases the index: the consumers stop
        break;
      }
      const Tile tile = tile_at(t);
      mbarrier_expect_bytes(q_full(q_slot), Traits::kQBytes);
      for (int region = 0; region < D / 64; ++region) {
        tma_load(q_tiles + q_slot * Traits::kQBytes + region * BQ * 128, &q_map, region * 64,
                 tile.first_row, tile.head, q_full(q_slot));
      }
      // A position past the last kept block loads rows past n, which arrive as zeros: its scores
      // are masked and its V rows add 0 · 0, so every product keeps its full width (a wgmma under
      // a data-dependent branch would be serialised).
      auto load_step = [&](int step, int slot, const CUtensorMap* map, uint32_t ring,
                           uint32_t full) {
        mbarrier_expect_bytes(full, kStepBytes);
        for (int b = 0; b < kPair; ++b) {
          const int position = step * kPair + b;
          const int first_key = position < tile.count
                                    ? (tile.columns ? tile.columns[position] : position) * BK
                                    : key_blocks * BK;
          for (int region = 0; region < D / 64; ++region) {
            tma_load(ring + slot * kStepBytes + region * kKeys * 128 + b * BK * 128, map,
                     region * 64, first_key, tile.kv_head, full);
          }
        }
      };
      for (int step = 0; step < tile.steps; ++step) {
        const int g = step_base + step, slot = g % kRing, use = g / kRing;
        if (use > 0) mbarrier_wait(empty_k(slot), (use - 1) & 1);
        load_step(step, slot, &k_map, k_ring, full_k(slot));
        if (use > 0) mbarrier_wait(empty_v(slot), (use - 1) & 1);
        load_step(step, slot, &v_map, v_ring, full_v(slot));
      }
      step_base += tile.steps;
    }
    return;
  }
  if constexpr (kPingPong) asm volatile("setmaxnreg.inc.sync.aligned.u32 240;\n" ::: "memory");

  // A consumer. This thread's rows: row0 and row0 + 8 of the query block. Scores stay raw (q·k)
  // until the exponent, where one FFMA applies scale·log2(e) and subtracts the scaled maximum.
  const int lane = thread % 32, warp_in_group = (thread % 128) / 32;
  const float scale_log2 = args.scale * kLog2E;
  if (kPingPong && group == 1) named_arrive(kTurnBarrier, kConsumerThreads);  // 0 goes first
  int step_base = 0;  // as the producer counts: ring slots and parities run on across tiles
  for (int it = 0;; ++it) {
    const int q_slot = it % kQSlots;
    mbarrier_wait(q_full(q_slot), (it / kQSlots) & 1);
    const int t = tile_of[q_slot];
    if (t < 0) break;
    const Tile tile = tile_at(t);
    const int first_row = tile.first_row, count = tile.count, steps = tile.steps;
    const int job = tile.job, head = tile.head;
    auto column_of = [&](int position) { return tile.columns ? tile.columns[position] : position; };
    const uint32_t q_tile = q_tiles + q_slot * Traits::kQBytes;
    // Descriptors are made once per tile and step, then offset (sm90_sync.cuh: descriptor_plus).
    const uint64_t q_rows = descriptor(q_tile + group * 64 * 128, 16, 1024);
    const int row0 = first_row + group * 64 + warp_in_group * 16 + lane / 4;
    const float lambda = args.job_lambda ? args.job_lambda[job] : kPvSkipOff;
    const bool pv_skip = lambda < kPvSkipOff;
    float out[D / 2];
#pragma unroll
    for (int e = 0; e < D / 2; ++e)
      out[e] = 0.0f;
    float row_max[2] = {-INFINITY, -INFINITY}, row_sum[2] = {0.0f, 0.0f};
    float rescale[2] = {1.0f, 1.0f};  // for O before the pending P·V
    float scores[kKeys / 2];          // this step's S, then its P in fp32
    uint32_t p[kKeys / 16][4];        // the previous step's P, as the wgmma A fragment
    int skipped = 0;

    auto release = [&](uint32_t bar) {
      if (lane == 0) mbarrier_arrive(bar);
    };
    auto issue_scores = [&](int slot) {
      wgmma_fence();
      const uint64_t k_step = descriptor(k_ring + slot * kStepBytes, 16, 1024);
#pragma unroll
      for (int kk = 0; kk < D / 16; ++kk) {
        const uint32_t chunk = (kk % 4) * 32;
        const uint64_t a = descriptor_plus(q_rows, chunk + (kk / 4) * BQ * 128);
        const uint64_t b = descriptor_plus(k_step, chunk + (kk / 4) * kKeys * 128);
        Wgmma<T, kKeys>::ss(scores, a, b, kk > 0);
      }
      wgmma_commit();
    };
    auto issue_pv = [&](int slot) {
#pragma unroll
      for (int dt = 0; dt < kDimTiles; ++dt) {
#pragma unroll
        for (int e = 0; e < 4; ++e)
          out[dt * 4 + e] *= rescale[e >> 1];
      }
      wgmma_fence();
      const uint64_t v_step = descriptor(v_ring + slot * kStepBytes, kKeys * 128, 1024);
#pragma unroll
      for (int kk = 0; kk < kKeys / 16; ++kk) {
        Wgmma<T, D>::rs(out, p[kk], descriptor_plus(v_step, kk * 16 * 128));
      }
      wgmma_commit();
    };
    // The step's softmax in place: causal mask, block maxima, the PV-skip vote in ascending order
    // (a skipped block counts as if it had not been kept), then P = exp2(...) in `scores`. A
    // block past the row's last, or skipped, gets P = 0 through its exponent's offset (−∞), not
    // by overwriting its scores: a data-dependent overwrite made the compiler copy all 64 scores
    // on both paths (IMAD.MOV, 2 a score; ncu, NOTES.md v19). When every block is skipped P is 0
    // and the rescale 1: the product adds nothing. The causal mask runs only on blocks the
    // diagonal crosses (a warp-uniform branch): in every element's path, its compares and
    // selects had been 4 instructions a score (v17).
    auto mask_causal = [&](int b, int first_key) {
#pragma unroll
      for (int nt = b * (BK / 8); nt < (b + 1) * (BK / 8); ++nt) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          const int key = first_key + (nt - b * (BK / 8)) * 8 + (lane % 4) * 2 + (e & 1);
          const int row = row0 + (e >> 1) * 8;
          if (key > row || key >= n) scores[nt * 4 + e] = -INFINITY;
        }
      }
    };
    auto softmax = [&](int step) {
      float running[2] = {row_max[0], row_max[1]};
      bool counted[kPair];  // the block is real and not skipped: its P is computed
#pragma unroll
      for (int b = 0; b < kPair; ++b) {
        const int position = step * kPair + b;
        counted[b] = position < count;
        if (!counted[b]) continue;
        const int first_key = column_of(position) * BK;
        if (first_key + BK - 1 > first_row) mask_causal(b, first_key);
        float block_max[2] = {-INFINITY, -INFINITY};
#pragma unroll
        for (int nt = b * (BK / 8); nt < (b + 1) * (BK / 8); ++nt) {
#pragma unroll
          for (int e = 0; e < 4; ++e)
            block_max[e >> 1] = fmaxf(block_max[e >> 1], scores[nt * 4 + e]);
        }
        block_max[0] = quad_max(block_max[0]);
        block_max[1] = quad_max(block_max[1]);
        if (pv_skip && position > 0) {
          bool rises = false;
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            if (row0 + h * 8 < n && !((block_max[h] - running[h]) * scale_log2 < -lambda))
              rises = true;
          }
          counted[b] = named_any(kVoteBarrier, kConsumerThreads, rises);
        }
        if (counted[b]) {
          running[0] = fmaxf(running[0], block_max[0]);
          running[1] = fmaxf(running[1], block_max[1]);
        } else {
          ++skipped;
        }
      }
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const float new_max = running[h];
        const float shift = new_max == -INFINITY ? 0.0f : new_max * scale_log2;
        rescale[h] = fast_exp2(fmaf(row_max[h], scale_log2, -shift));
        row_max[h] = new_max;
        row_sum[h] *= rescale[h];
        float offset[kPair];  // −shift, or −∞ (P = 0) for a block not counted
#pragma unroll
        for (int b = 0; b < kPair; ++b)
          offset[b] = counted[b] ? -shift : -INFINITY;
#pragma unroll
        for (int nt = 0; nt < kKeys / 8; ++nt) {
          const float minus = offset[nt / (BK / 8)];
          const float p0 = fast_exp2(fmaf(scores[nt * 4 + 2 * h], scale_log2, minus));
          const float p1 = fast_exp2(fmaf(scores[nt * 4 + 2 * h + 1], scale_log2, minus));
          scores[nt * 4 + 2 * h] = p0;
          scores[nt * 4 + 2 * h + 1] = p1;
          row_sum[h] += p0 + p1;
        }
      }
    };
    auto pack_p = [&] {
#pragma unroll
      for (int kk = 0; kk < kKeys / 16; ++kk) {
        p[kk][0] = Mma<T>::pack(scores[8 * kk + 0], scores[8 * kk + 1]);
        p[kk][1] = Mma<T>::pack(scores[8 * kk + 2], scores[8 * kk + 3]);
        p[kk][2] = Mma<T>::pack(scores[8 * kk + 4], scores[8 * kk + 5]);
        p[kk][3] = Mma<T>::pack(scores[8 * kk + 6], scores[8 * kk + 7]);
      }
    };
    auto my_turn = [&] {
      if constexpr (kPingPong) named_sync(kTurnBarrier + group, kConsumerThreads);
    };
    auto their_turn = [&] {
      if constexpr (kPingPong) named_arrive(kTurnBarrier + (1 - group), kConsumerThreads);
    };
    // A step of this tile as the ring counts it: its slot and its phase's parity.
    auto slot_of = [&](int step) { return (step_base + step) % kRing; };
    auto parity = [&](int step) { return static_cast<uint32_t>(((step_base + step) / kRing) & 1); };

    // Prologue: S of step 0 and its softmax.
    mbarrier_wait(full_k(slot_of(0)), parity(0));
    my_turn();
    issue_scores(slot_of(0));
    their_turn();
    wgmma_wait<0>();
    pin_registers(scores);
    release(empty_k(slot_of(0)));
    softmax(0);
    pack_p();
    // Steady state: S of `step` and P·V of step − 1 go to the tensor cores back to back; the
    // softmax of `step` runs while the product of step − 1 is still in flight.
    for (int step = 1; step < steps; ++step) {
      const int slot = slot_of(step), previous = slot_of(step - 1);
      mbarrier_wait(full_k(slot), parity(step));
      my_turn();
      issue_scores(slot);
      mbarrier_wait(full_v(previous), parity(step - 1));
      issue_pv(previous);
      their_turn();
      wgmma_wait<1>();
      pin_registers(scores);
      release(empty_k(slot));
      softmax(step);
      wgmma_wait<0>();
      pin_registers(out);
      release(empty_v(previous));
      pack_p();
    }
    // Epilogue: P·V of the last step.
    {
      const int last = slot_of(steps - 1);
      mbarrier_wait(full_v(last), parity(steps - 1));
      my_turn();
      issue_pv(last);
      their_turn();
      wgmma_wait<0>();
      pin_registers(out);
      release(empty_v(last));
      release(q_empty(q_slot));  // every S of this tile has completed
    }

    const float l1 = store_rows<T, D>(args, *reinterpret_cast<const float(*)[D / 8][4]>(out),
                                      row_sum, row0, lane, job, head);
    finish_block<kConsumerThreads / 32>(args, tile.row_slot, l1, skipped, thread,
                                        [] { named_sync(kVoteBarrier, kConsumerThreads); });
    step_base += steps;
  }
  // Turns: consumer 1 arrived once more than consumer 0 waited (the first arrival above).
  if (kPingPong && group == 0) named_sync(kTurnBarrier, kConsumerThreads);
}

PFN_cuTensorMapEncodeTiled_v12000 tensor_map_encoder() {
  static const PFN_cuTensorMapEncodeTiled_v12000 encoder = [] {
    void* function = nullptr;
    cudaDriverEntryPointQueryResult found{};
    if (cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &function, 12000,
                                         cudaEnableDefault, &found) != cudaSuccess ||
        found != cudaDriverEntryPointSuccess) {
      return static_cast<PFN_cuTensorMapEncodeTiled_v12000>(nullptr);
    }
    return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(function);
  }();
  return encoder;
}

// [heads, n, D] with `head_stride` elements between heads, read in boxes of 64 columns × `rows`.
// Rows at or past n read as zeros. The head extent is not known here (a batch folds into the
// head index), so it is left large: only rows and columns are bounds-checked.
bool encode_map(CUtensorMap* map, const void* base, afbs_dtype dtype, int n, int d,
                int64_t head_stride, int rows) {
  const cuuint64_t extent[3] = {static_cast<cuuint64_t>(d), static_cast<cuuint64_t>(n), 1u << 24};
  const cuuint64_t strides[2] = {static_cast<cuuint64_t>(d) * 2,
                                 static_cast<cuuint64_t>(head_stride) * 2};
  const cuuint32_t box[3] = {64, static_cast<cuuint32_t>(rows), 1};
  const cuuint32_t unit[3] = {1, 1, 1};
  const CUtensorMapDataType type =
      dtype == AFBS_BF16 ? CU_TENSOR_MAP_DATA_TYPE_BFLOAT16 : CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
  return tensor_map_encoder()(map, type, 3, const_cast<void*>(base), extent, strides, box, unit,
                              CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                              CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                              CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

// The persistent grid, unless AFBS_SM90_ONE_TILE_PER_CTA is set (to compare the two).
bool persistent() {
  static const bool on = std::getenv("AFBS_SM90_ONE_TILE_PER_CTA") == nullptr;
  return on;
}

// A zeroed tile counter for one persistent launch, from a per-device ring of 1024 so launches in
// flight on different streams never share one; zeroed on the launch's stream, before it.
cudaError_t tile_counter(int device, cudaStream_t stream, int** counter) {
  constexpr int kDevices = 64, kSlots = 1024;
  static int* rings[kDevices] = {};
  static std::mutex mutex;
  static std::atomic<unsigned> next{0};
  if (device < 0 || device >= kDevices) return cudaErrorInvalidDevice;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!rings[device]) {
      const cudaError_t status = cudaMalloc(&rings[device], kSlots * sizeof(int));
      if (status != cudaSuccess) return status;
    }
  }
  *counter = rings[device] + next.fetch_add(1) % kSlots;
  return cudaMemsetAsync(*counter, 0, sizeof(int), stream);
}

template <typename T, int D, int BQ, int BK>
cudaError_t launch_shape(const afbs_attention_args& args, cudaStream_t stream) {
  using Traits = Sm90Traits<D, BQ, BK>;
  const int64_t n = args.length;
  const int64_t q_stride = args.q_head_stride ? args.q_head_stride : n * D;
  const int64_t kv_stride = args.kv_head_stride ? args.kv_head_stride : n * D;
  CUtensorMap q_map, k_map, v_map;
  if (!encode_map(&q_map, args.q, args.dtype, args.length, D, q_stride, BQ) ||
      !encode_map(&k_map, args.k, args.dtype, args.length, D, kv_stride, BK) ||
      !encode_map(&v_map, args.v, args.dtype, args.length, D, kv_stride, BK)) {
    return cudaErrorInvalidValue;
  }
  auto kernel = sparse_attention_wgmma<T, D, BQ, BK>;
  cudaError_t status = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                            Traits::kSharedBytes);
  if (status != cudaSuccess) return status;
  const int64_t tiles = (args.length + BQ - 1) / BQ * static_cast<int64_t>(args.job_count);
  int* counter = nullptr;
  int grid = static_cast<int>(tiles);
  if (persistent()) {
    int device = 0, processors = 0;
    status = cudaGetDevice(&device);
    if (status == cudaSuccess)
      status = cudaDeviceGetAttribute(&processors, cudaDevAttrMultiProcessorCount, device);
    if (status == cudaSuccess) status = tile_counter(device, stream, &counter);
    if (status != cudaSuccess) return status;
    int per_processor = 0;  // CTAs resident on one SM (Traits::kCtasPerSm when all fits)
    status = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_processor, kernel, Traits::kThreads,
                                                           Traits::kSharedBytes);
    if (status != cudaSuccess) return status;
    grid = static_cast<int>(
        std::min<int64_t>(tiles, int64_t{processors} * std::max(1, per_processor)));
  }
  kernel<<<grid, Traits::kThreads, Traits::kSharedBytes, stream>>>(args, q_map, k_map, v_map,
                                                                   counter);
  return cudaGetLastError();
}

// Two consumer warpgroups share a 128-row block's K/V tiles (half the L2 traffic of two CTAs).
template <typename T, int D>
cudaError_t launch_dim(const afbs_attention_args& args, cudaStream_t stream) {
  if (args.block_q == 64 && args.block_k == 64) return launch_shape<T, D, 64, 64>(args, stream);
  if (args.block_q == 64) return launch_shape<T, D, 64, 128>(args, stream);
  return launch_shape<T, D, 128, 64>(args, stream);
}

template <typename T>
cudaError_t launch(const afbs_attention_args& args, cudaStream_t stream) {
  return args.head_dim == 64 ? launch_dim<T, 64>(args, stream) : launch_dim<T, 128>(args, stream);
}

}  // namespace

// TMA needs 16-byte aligned bases and head strides, and the driver's tensor-map encoder.
bool sm90_accepts(const afbs_attention_args& args) {
  auto aligned = [](const void* pointer) { return reinterpret_cast<uintptr_t>(pointer) % 16 == 0; };
  return aligned(args.q) && aligned(args.k) && aligned(args.v) && args.q_head_stride % 8 == 0 &&
         args.kv_head_stride % 8 == 0 && tensor_map_encoder() != nullptr;
}

cudaError_t launch_sparse_attention_sm90(const afbs_attention_args& args, cudaStream_t stream) {
  return args.dtype == AFBS_BF16 ? launch<__nv_bfloat16>(args, stream)
                                 : launch<__half>(args, stream);
}

}  // namespace afbs_kernels
