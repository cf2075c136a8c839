// The bf16 instantiations (a file per dtype so the two compile in parallel).
#include "kernels/sparse_attention_sm80.cuh"

namespace afbs_kernels {

cudaError_t launch_sparse_attention_bf16(const afbs_attention_args& args, cudaStream_t stream) {
  return launch_sparse_attention<__nv_bfloat16>(args, stream);
}

}  // namespace afbs_kernels
