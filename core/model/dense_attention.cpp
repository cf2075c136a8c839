#include "core/model/dense_attention.h"

#include <ATen/ATen.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace afbs {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5)
#define AFBS_HAVE_SDPA_GQA 1
#endif

DenseAttention::DenseAttention(int64_t max_score_elements, int64_t sliding_window,
                               bool allow_fused_kernel)
    : max_score_elements_(std::max<int64_t>(max_score_elements, 1)),
      sliding_window_(sliding_window),
      allow_fused_kernel_(allow_fused_kernel) {}

at::Tensor DenseAttention::attend(int, const at::Tensor& q, const at::Tensor& k,
                                  const at::Tensor& v) {
#ifdef AFBS_HAVE_SDPA_GQA
  const bool window_matters = sliding_window_ > 0 && q.size(2) > sliding_window_;
  if (allow_fused_kernel_ && q.is_cuda() && !window_matters) {
    const bool gqa = q.size(1) != k.size(1);
    return at::scaled_dot_product_attention(q, k, v, /*attn_mask=*/{}, /*dropout_p=*/0.0,
                                            /*is_causal=*/true, /*scale=*/std::nullopt,
                                            /*enable_gqa=*/gqa);
  }
#endif
  return attend_chunked(q, k, v);
}

at::Tensor DenseAttention::attend_chunked(const at::Tensor& q, const at::Tensor& k,
                                          const at::Tensor& v) const {
  const int64_t batch = q.size(0), heads = q.size(1), length = q.size(2), dim = q.size(3);
  const int64_t kv_heads = k.size(1), group = heads / kv_heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
  // Queries of one KV head's group side by side: [B, Hkv, G, L, D] (head h uses KV h / G).
  at::Tensor grouped = q.reshape({batch, kv_heads, group, length, dim});
  at::Tensor out = at::empty({batch, kv_heads, group, length, dim}, q.options());
  const int64_t per_query = std::max<int64_t>(batch * heads * length, 1);
  const int64_t chunk = std::clamp<int64_t>(max_score_elements_ / per_query, 1, length);
  auto index_options = at::TensorOptions().dtype(at::kLong).device(q.device());
  for (int64_t start = 0; start < length; start += chunk) {
    const int64_t rows = std::min(chunk, length - start);
    const int64_t keys = start + rows;  // causal: later keys are never seen
    const int64_t first_key =
        sliding_window_ > 0 ? std::max<int64_t>(0, start - sliding_window_ + 1) : 0;
    const int64_t span = keys - first_key;
    at::Tensor q_chunk =
        grouped.narrow(3, start, rows).reshape({batch, kv_heads, group * rows, dim});
    at::Tensor k_span = k.narrow(2, first_key, span);
    at::Tensor scores = at::matmul(q_chunk, k_span.transpose(-1, -2)) * scale;
    at::Tensor query_pos = at::arange(start, keys, index_options).unsqueeze(1);
    at::Tensor key_pos = at::arange(first_key, keys, index_options).unsqueeze(0);
    at::Tensor hidden = key_pos > query_pos;
    if (sliding_window_ > 0) hidden = hidden.logical_or(query_pos - key_pos >= sliding_window_);
    scores = scores.view({batch, kv_heads, group, rows, span})
                 .masked_fill(hidden, -std::numeric_limits<double>::infinity());
    at::Tensor weights = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());
    at::Tensor values = at::matmul(weights.view({batch, kv_heads, group * rows, span}),
                                   v.narrow(2, first_key, span));
    out.narrow(3, start, rows).copy_(values.view({batch, kv_heads, group, rows, dim}));
  }
  return out.view({batch, heads, length, dim});
}

}  // namespace afbs
