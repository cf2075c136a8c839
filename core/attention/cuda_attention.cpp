#include "core/attention/cuda_attention.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <string>

#if AFBS_TORCH_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include "kernels/afbs_kernels.h"
#endif

namespace afbs {

#if AFBS_TORCH_CUDA

namespace {

Result<afbs_dtype> kernel_dtype(const at::Tensor& t, bool allow_f32) {
  switch (t.scalar_type()) {
    case at::kHalf:
      return AFBS_F16;
    case at::kBFloat16:
      return AFBS_BF16;
    case at::kFloat:
      if (allow_f32) return AFBS_F32;
      [[fallthrough]];
    default:
      return Error{std::string("CUDA kernels: unsupported dtype ") + at::toString(t.scalar_type())};
  }
}

// Rows of D contiguous, heads at a constant stride: what the kernels index.
Status check_heads(const at::Tensor& t, const char* name) {
  if (t.dim() != 3 || !t.is_cuda() || t.stride(2) != 1 || t.stride(1) != t.size(2)) {
    return Error{std::string("CUDA kernels: ") + name +
                 " must be a CUDA tensor [heads, tokens, head_dim] with contiguous rows"};
  }
  if (t.size(2) != 64 && t.size(2) != 128) {
    return Error{std::string("CUDA kernels: ") + name + " has head size " +
                 std::to_string(t.size(2)) + "; the kernels take 64 or 128"};
  }
  return {};
}

Status check_cuda(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return {};
  return Error{std::string("CUDA kernels: ") + what + ": " + cudaGetErrorString(status)};
}

afbs_rule kernel_rule(SelectionRule rule) {
  switch (rule) {
    case SelectionRule::dense:
      return AFBS_RULE_DENSE;
    case SelectionRule::cumulative:
      return AFBS_RULE_CUMULATIVE;
    case SelectionRule::top_fraction:
      return AFBS_RULE_TOP_FRACTION;
    case SelectionRule::sliding_window:
      return AFBS_RULE_SLIDING_WINDOW;
  }
  return AFBS_RULE_DENSE;
}

afbs_predict_shape predict_shape(const at::Tensor& q, const at::Tensor& k, BlockShape shape,
                                 afbs_dtype dtype, SettingsPerHead settings) {
  afbs_predict_shape s{};
  s.query_heads = static_cast<int>(q.size(0));
  s.kv_heads = static_cast<int>(k.size(0));
  s.length = static_cast<int>(q.size(1));
  s.head_dim = static_cast<int>(q.size(2));
  s.block_q = static_cast<int>(shape.query);
  s.block_k = static_cast<int>(shape.key);
  s.dtype = dtype;
  s.q_head_stride = q.stride(0);
  s.k_head_stride = k.stride(0);
  s.search_rows = settings == SettingsPerHead::one ? 1 : 0;
  return s;
}

at::Tensor int32_on(const std::vector<int32_t>& values, const at::Device& device) {
  return at::tensor(at::IntArrayRef(std::vector<int64_t>(values.begin(), values.end())), at::kLong)
      .to(device, at::kInt);
}

}  // namespace

bool cuda_kernels_compiled() {
  return true;
}

bool cuda_kernels_serve(const at::Tensor& t) {
  return t.defined() && t.is_cuda() &&
         (t.scalar_type() == at::kFloat || t.scalar_type() == at::kHalf ||
          t.scalar_type() == at::kBFloat16);
}

bool CudaMaskPredictor::needs_scores(const HeadSetting& setting) {
  return afbs_rule_needs_prepare(kernel_rule(setting.rule)) != 0;
}

Result<CudaMaskPredictor> CudaMaskPredictor::build(const at::Tensor& q, const at::Tensor& k,
                                                   BlockShape shape, SettingsPerHead settings,
                                                   bool scores) {
  if (Status s = check_heads(q, "q"); !s) return s.error();
  if (Status s = check_heads(k, "k"); !s) return s.error();
  if (q.scalar_type() != k.scalar_type() || q.size(1) != k.size(1) || q.size(2) != k.size(2) ||
      q.size(0) % k.size(0) != 0) {
    return Error{"CUDA mask prediction: q and k disagree in dtype, tokens or head size"};
  }
  auto dtype = kernel_dtype(q, true);
  if (!dtype) return dtype.error();
  const afbs_predict_shape s = predict_shape(q, k, shape, *dtype, settings);
  const size_t bytes = afbs_predict_workspace_bytes(s);
  if (bytes == 0) {
    return Error{"CUDA mask prediction: unsupported shape (block shape " + shape.text() +
                 ", length " + std::to_string(q.size(1)) + ")"};
  }
  const c10::cuda::CUDAGuard guard(q.device());
  CudaMaskPredictor predictor;
  predictor.q_ = q;
  predictor.k_ = k;
  predictor.shape_ = shape;
  predictor.settings_ = settings;
  predictor.workspace_ = at::empty({static_cast<int64_t>(bytes)}, q.options().dtype(at::kByte));
  predictor.scores_ = scores;
  if (!scores) return predictor;  // dense and window masks read only the shape
  Status launched = check_cuda(
      afbs_predict_prepare(q.data_ptr(), k.data_ptr(), s, predictor.workspace_.data_ptr(),
                           c10::cuda::getCurrentCUDAStream()),
      "mask prediction");
  if (!launched) return launched.error();
  return predictor;
}

int64_t CudaMaskPredictor::query_blocks() const {
  return (q_.size(1) + shape_.query - 1) / shape_.query;
}

int64_t CudaMaskPredictor::key_blocks() const {
  return (q_.size(1) + shape_.key - 1) / shape_.key;
}

Result<KernelMasks> CudaMaskPredictor::predict(const std::vector<HeadRequest>& requests) const {
  if (requests.empty()) return Error{"CUDA mask prediction: no jobs"};
  std::vector<afbs_mask_job> jobs;
  for (const HeadRequest& r : requests) {
    if (!scores_ && needs_scores(r.setting)) {
      return Error{"CUDA mask prediction: head " + std::to_string(r.head) +
                   "'s setting needs Ŝ, and the predictor was built without it"};
    }
    afbs_mask_job job{};
    job.head = r.head;
    job.rule = kernel_rule(r.setting.rule);
    job.theta = static_cast<float>(r.setting.theta);
    job.tau = static_cast<float>(r.setting.tau);
    job.parameter = r.setting.rule_parameter;
    jobs.push_back(job);
  }
  const c10::cuda::CUDAGuard guard(q_.device());
  const auto job_bytes = static_cast<int64_t>(jobs.size() * sizeof(afbs_mask_job));
  const at::Tensor host_jobs =
      at::from_blob(jobs.data(), {job_bytes}, at::TensorOptions().dtype(at::kByte)).clone();
  const at::Tensor device_jobs = host_jobs.to(q_.device());
  const auto count = static_cast<int64_t>(jobs.size());
  KernelMasks masks;
  const at::TensorOptions ints = q_.options().dtype(at::kInt);
  masks.lut = at::empty({count, query_blocks(), key_blocks()}, ints);
  masks.counts = at::empty({count, query_blocks()}, ints);
  auto dtype = kernel_dtype(q_, true);
  Status launched = check_cuda(
      afbs_predict_select(workspace_.data_ptr(), predict_shape(q_, k_, shape_, *dtype, settings_),
                          reinterpret_cast<const afbs_mask_job*>(device_jobs.data_ptr()),
                          static_cast<int>(count), masks.lut.data_ptr<int32_t>(),
                          masks.counts.data_ptr<int32_t>(), c10::cuda::getCurrentCUDAStream()),
      "mask selection");
  if (!launched) return launched.error();
  return masks;
}

Result<KernelAttentionResult> run_kernel_attention(const KernelAttentionRequest& r) {
  for (const auto& [t, name] : {std::pair{&r.q, "q"}, {&r.k, "k"}, {&r.v, "v"}}) {
    if (Status s = check_heads(*t, name); !s) return s.error();
  }
  auto dtype = kernel_dtype(r.q, false);
  if (!dtype) return dtype.error();
  if (r.k.scalar_type() != r.q.scalar_type() || r.v.scalar_type() != r.q.scalar_type() ||
      r.k.sizes() != r.v.sizes() || r.k.stride(0) != r.v.stride(0) || r.q.size(1) != r.k.size(1) ||
      r.q.size(2) != r.k.size(2) || r.q.size(0) % r.k.size(0) != 0) {
    return Error{"CUDA attention: q, k, v disagree in dtype, tokens, head size or layout"};
  }
  if (!r.blocks.supported()) {
    return Error{"CUDA attention: block shape " + r.blocks.text() + " is not supported"};
  }
  const int64_t heads = r.q.size(0), n = r.q.size(1), dim = r.q.size(2);
  const int64_t jobs = r.heads.empty() ? heads : static_cast<int64_t>(r.heads.size());
  const int64_t query_blocks = (n + r.blocks.query - 1) / r.blocks.query;
  if (!r.lambdas.empty() && static_cast<int64_t>(r.lambdas.size()) != jobs) {
    return Error{"CUDA attention: one λ per job expected"};
  }
  if (r.masks && r.masks->counts.size(0) != jobs) {
    return Error{"CUDA attention: the masks hold " + std::to_string(r.masks->counts.size(0)) +
                 " jobs, the request " + std::to_string(jobs)};
  }
  if (r.dense.defined() && (r.dense.scalar_type() != at::kFloat || !r.dense.is_contiguous() ||
                            r.dense.sizes() != at::IntArrayRef{heads, n, dim})) {
    return Error{"CUDA attention: the dense reference must be contiguous fp32 [Hq, n, D]"};
  }
  const c10::cuda::CUDAGuard guard(r.q.device());
  const at::Device device = r.q.device();
  KernelAttentionResult result;
  at::Tensor job_heads, job_lambdas;
  afbs_attention_args a{};
  a.q = r.q.data_ptr();
  a.k = r.k.data_ptr();
  a.v = r.v.data_ptr();
  a.dtype = *dtype;
  a.query_heads = static_cast<int>(heads);
  a.kv_heads = static_cast<int>(r.k.size(0));
  a.length = static_cast<int>(n);
  a.head_dim = static_cast<int>(dim);
  a.block_q = static_cast<int>(r.blocks.query);
  a.block_k = static_cast<int>(r.blocks.key);
  a.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(dim)));
  a.q_head_stride = r.q.stride(0);
  a.kv_head_stride = r.k.stride(0);
  a.job_count = static_cast<int>(jobs);
  if (!r.heads.empty()) {
    job_heads = int32_on(r.heads, device);
    a.job_head = job_heads.data_ptr<int32_t>();
  }
  if (r.masks) {
    a.lut = r.masks->lut.data_ptr<int32_t>();
    a.counts = r.masks->counts.data_ptr<int32_t>();
  }
  // No λ below "off": no PV-skip anywhere, and the kernels skip the vote altogether.
  const bool any_pv_skip = std::any_of(r.lambdas.begin(), r.lambdas.end(),
                                       [](float l) { return l < static_cast<float>(kPvSkipOff); });
  if (any_pv_skip) {
    job_lambdas = at::tensor(at::ArrayRef<float>(r.lambdas)).to(device);
    a.job_lambda = job_lambdas.data_ptr<float>();
  }
  if (r.output) {
    result.output = at::empty({jobs, n, dim}, r.q.options());
    a.out = result.output.data_ptr();
  }
  if (r.output_f32) {
    result.output_f32 = at::empty({jobs, n, dim}, r.q.options().dtype(at::kFloat));
    a.out_f32 = result.output_f32.data_ptr<float>();
  }
  if (r.dense.defined()) {
    result.row_l1 = at::empty({jobs, query_blocks}, r.q.options().dtype(at::kFloat));
    a.dense = r.dense.data_ptr<float>();
    a.row_l1 = result.row_l1.data_ptr<float>();
  }
  result.row_skipped = at::empty({jobs, query_blocks}, r.q.options().dtype(at::kInt));
  a.row_skipped = result.row_skipped.data_ptr<int32_t>();
  Status launched =
      check_cuda(afbs_sparse_attention_forward(&a, c10::cuda::getCurrentCUDAStream()), "attention");
  if (!launched) return launched.error();
  return result;
}

#else  // no CUDA kernels in this build

bool cuda_kernels_compiled() {
  return false;
}
bool cuda_kernels_serve(const at::Tensor&) {
  return false;
}

Result<CudaMaskPredictor> CudaMaskPredictor::build(const at::Tensor&, const at::Tensor&, BlockShape,
                                                   SettingsPerHead, bool) {
  return Error{"CUDA kernels: not in this build (libtorch without CUDA or AFBS_WITH_CUDA=OFF)"};
}
bool CudaMaskPredictor::needs_scores(const HeadSetting& setting) {
  return setting.rule == SelectionRule::cumulative || setting.rule == SelectionRule::top_fraction;
}
Result<KernelMasks> CudaMaskPredictor::predict(const std::vector<HeadRequest>&) const {
  return Error{"CUDA kernels: not in this build"};
}
int64_t CudaMaskPredictor::query_blocks() const {
  return 0;
}
int64_t CudaMaskPredictor::key_blocks() const {
  return 0;
}
Result<KernelAttentionResult> run_kernel_attention(const KernelAttentionRequest&) {
  return Error{"CUDA kernels: not in this build (libtorch without CUDA or AFBS_WITH_CUDA=OFF)"};
}

#endif

}  // namespace afbs
