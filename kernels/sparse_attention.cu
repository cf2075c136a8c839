// afbs_sparse_attention_forward: checks the arguments, then runs the dtype's kernel.
#include <cstdlib>

#include "kernels/afbs_kernels.h"
#include "kernels/sparse_attention_sm80.cuh"

namespace afbs_kernels {
cudaError_t launch_sparse_attention_sm90(const afbs_attention_args& args, cudaStream_t stream);
bool sm90_accepts(const afbs_attention_args& args);
}  // namespace afbs_kernels

namespace {

// The wgmma path on compute capability 9.0 (built for sm_90a) for TMA-aligned tensors, unless
// AFBS_KERNELS_SM80 is set (to compare the two paths); mma.sync elsewhere.
bool use_sm90(const afbs_attention_args& args) {
#if AFBS_KERNELS_SM90
  int device = 0, major = 0, minor = 0;
  if (cudaGetDevice(&device) != cudaSuccess) return false;
  cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device);
  cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device);
  return major == 9 && minor == 0 && std::getenv("AFBS_KERNELS_SM80") == nullptr &&
         afbs_kernels::sm90_accepts(args);
#else
  (void)args;
  return false;
#endif
}

bool supported_shape(int block_q, int block_k) {
  return (block_q == 64 && block_k == 64) || (block_q == 128 && block_k == 64) ||
         (block_q == 64 && block_k == 128);
}

bool valid(const afbs_attention_args* a) {
  if (!a || !a->q || !a->k || !a->v) return false;
  if (a->dtype != AFBS_BF16 && a->dtype != AFBS_F16) return false;
  if (a->head_dim != 64 && a->head_dim != 128) return false;
  if (!supported_shape(a->block_q, a->block_k)) return false;
  if (a->length <= 0 || a->query_heads <= 0 || a->kv_heads <= 0) return false;
  if (a->query_heads % a->kv_heads != 0) return false;
  if (a->job_count <= 0 || a->job_count > 65535) return false;
  if (!a->job_head && a->job_count > a->query_heads) return false;
  if (a->lut && !a->counts) return false;
  if (a->row_l1 && !a->dense) return false;
  return true;
}

}  // namespace

extern "C" cudaError_t afbs_sparse_attention_forward(const afbs_attention_args* args,
                                                     cudaStream_t stream) {
  if (!valid(args)) return cudaErrorInvalidValue;
  if (use_sm90(*args)) return afbs_kernels::launch_sparse_attention_sm90(*args, stream);
  return args->dtype == AFBS_BF16 ? afbs_kernels::launch_sparse_attention_bf16(*args, stream)
                                  : afbs_kernels::launch_sparse_attention_f16(*args, stream);
}
