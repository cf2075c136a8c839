#pragma once

#include <cuda_runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

// Mean of each block of `block_rows` consecutive rows of a row-major [rows, dim] fp32
// matrix, written to out[ceil(rows / block_rows), dim]; the last block may be partial.
// Runs on `stream`; returns cudaErrorInvalidValue for bad shapes or null pointers.
cudaError_t afbs_block_mean_pool_f32(const float* x, int rows, int dim, int block_rows, float* out,
                                     cudaStream_t stream);

#ifdef __cplusplus
}
#endif
