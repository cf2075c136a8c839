#pragma once

// The end of every attention kernel (sm_80 and sm_90a): normalise a thread's rows of O, write
// the outputs the caller asked for, and sum Σ|O − dense| and the skipped blocks per CTA.

#include "kernels/afbs_kernels.h"
#include "kernels/mma_sm80.cuh"

namespace afbs_kernels {

// One 16-row accumulator fragment (mma's C layout: rows row0 and row0 + 8, columns
// 8·dt + 2·(lane % 4) + {0, 1} in fragment[dt][2h + {0, 1}]) divided by its rows' Σp; returns
// this thread's share of Σ|O − dense| (0 without args.row_l1).
template <typename T, int D>
__device__ __forceinline__ float store_rows(const afbs_attention_args& args,
                                            const float (&fragment)[D / 8][4],
                                            const float (&row_sum)[2], int row0, int lane, int job,
                                            int head) {
  const int n = args.length;
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
    for (int dt = 0; dt < D / 8; ++dt) {
      const int col = dt * 8 + (lane % 4) * 2;
      const float o0 = fragment[dt][2 * h] * inverse, o1 = fragment[dt][2 * h + 1] * inverse;
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
  return l1;
}

// The CTA's Σ|O − dense| (summed warp by warp in a fixed order) and skipped-block count into
// their slots. `thread` counts from 0 among the `Warps` warps that hold rows; `sync` is a
// barrier over exactly those warps.
template <int Warps, typename Sync>
__device__ __forceinline__ void finish_block(const afbs_attention_args& args, size_t row_slot,
                                             float l1, int skipped, int thread, Sync sync) {
  if (args.row_l1) {
    __shared__ float warp_l1[Warps];
    for (int offset = 16; offset > 0; offset /= 2)
      l1 += __shfl_xor_sync(0xffffffffu, l1, offset);
    if (thread % 32 == 0) warp_l1[thread / 32] = l1;
    sync();
    if (thread == 0) {
      float total = 0.0f;
      for (int w = 0; w < Warps; ++w)
        total += warp_l1[w];
      args.row_l1[row_slot] = total;
    }
  }
  if (args.row_skipped && thread == 0) args.row_skipped[row_slot] = skipped;
}

}  // namespace afbs_kernels
