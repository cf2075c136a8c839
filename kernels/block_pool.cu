#include "kernels/block_pool.cuh"

namespace {

// One thread block per row block; threads stride over the feature dimension.
__global__ void block_mean_pool_kernel(const float* x, int rows, int dim, int block_rows,
                                       float* out) {
  const int block = blockIdx.x;
  const int first = block * block_rows;
  const int last = min(first + block_rows, rows);
  const float inv = 1.0f / static_cast<float>(last - first);
  for (int d = threadIdx.x; d < dim; d += blockDim.x) {
    float sum = 0.0f;
    for (int r = first; r < last; ++r)
      sum += x[static_cast<long long>(r) * dim + d];
    out[static_cast<long long>(block) * dim + d] = sum * inv;
  }
}

}  // namespace

extern "C" cudaError_t afbs_block_mean_pool_f32(const float* x, int rows, int dim, int block_rows,
                                                float* out, cudaStream_t stream) {
  if (!x || !out || rows <= 0 || dim <= 0 || block_rows <= 0) return cudaErrorInvalidValue;
  const int blocks = (rows + block_rows - 1) / block_rows;
  block_mean_pool_kernel<<<blocks, 128, 0, stream>>>(x, rows, dim, block_rows, out);
  return cudaGetLastError();
}
