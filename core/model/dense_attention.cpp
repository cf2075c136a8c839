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

int64_t DenseAttention::window_of(int layer) const {
  return layer >= 0 && layer < static_cast<int>(layer_windows_.size())
             ? layer_windows_[static_cast<size_t>(layer)]
             : sliding_window_;
}

at::Tensor DenseAttention::attend(int layer, const at::Tensor& q, const at::Tensor& k,
                                  const at::Tensor& v) {
  const int64_t window = window_of(layer);
#ifdef AFBS_HAVE_SDPA_GQA
  // libtorch's fused kernel: always on CUDA; on the CPU only while even its unfused
  // fallback (all heads' L x L scores) would stay within the score budget.
  const int64_t length = q.size(2);
  const bool window_matters = window > 0 && length > window;
  const bool fits =
      q.size(0) * q.size(1) * length <= max_score_elements_ / std::max<int64_t>(length, 1);
  if (allow_fused_kernel_ && !window_matters && logit_softcap_ == 0 && (q.is_cuda() || fits)) {
    const bool gqa = q.size(1) != k.size(1);
    return at::scaled_dot_product_attention(q, k, v, /*attn_mask=*/{}, /*dropout_p=*/0.0,
                                            /*is_causal=*/true, /*scale=*/std::nullopt,
                                            /*enable_gqa=*/gqa);
  }
#endif
  return attend_chunked(q, k, v, window);
}

at::Tensor DenseAttention::attend_chunked(const at::Tensor& q, const at::Tensor& k,
                                          const at::Tensor& v) const {
  return attend_chunked(q, k, v, sliding_window_);
}

at::Tensor DenseAttention::attend_chunked(const at::Tensor& q, const at::Tensor& k,
                                          const at::Tensor& v, int64_t window) const {
  // Rows of queries per step: small enough that a step's scores stay in cache-sized
  // blocks and keys past the step's last row are skipped (causal), within the budget.
  constexpr int64_t kMaxChunkRows = 256;
  const int64_t batch = q.size(0), heads = q.size(1), length = q.size(2), dim = q.size(3);
  const int64_t kv_heads = k.size(1), group = heads / kv_heads;
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
  const double minus_infinity = -std::numeric_limits<double>::infinity();
  // Queries of one KV head's group side by side: [B, Hkv, G, L, D] (head h uses KV h / G).
  at::Tensor grouped = q.reshape({batch, kv_heads, group, length, dim});
  at::Tensor out = at::empty({batch, kv_heads, group, length, dim}, q.options());
  const int64_t per_query = std::max<int64_t>(batch * heads * length, 1);
  const int64_t chunk =
      std::clamp<int64_t>(max_score_elements_ / per_query, 1, std::min(length, kMaxChunkRows));
  auto index_options = at::TensorOptions().dtype(at::kLong).device(q.device());
  // Within a step only the diagonal block needs a causal mask (earlier keys are visible).
  at::Tensor diagonal_mask =
      at::ones({chunk, chunk}, at::TensorOptions().dtype(at::kBool).device(q.device())).triu(1);
  for (int64_t start = 0; start < length; start += chunk) {
    const int64_t rows = std::min(chunk, length - start);
    const int64_t keys = start + rows;  // causal: later keys are never seen
    const int64_t first_key = window > 0 ? std::max<int64_t>(0, start - window + 1) : 0;
    const int64_t span = keys - first_key;
    at::Tensor q_chunk =
        grouped.narrow(3, start, rows).reshape({batch, kv_heads, group * rows, dim});
    at::Tensor scores = at::matmul(q_chunk, k.narrow(2, first_key, span).transpose(-1, -2));
    scores.mul_(scale);
    if (logit_softcap_ > 0) scores.div_(logit_softcap_).tanh_().mul_(logit_softcap_);
    at::Tensor blocks = scores.view({batch, kv_heads, group, rows, span});
    if (window > 0) {
      at::Tensor query_pos = at::arange(start, keys, index_options).unsqueeze(1);
      at::Tensor key_pos = at::arange(first_key, keys, index_options).unsqueeze(0);
      blocks.masked_fill_((key_pos > query_pos).logical_or(query_pos - key_pos >= window),
                          minus_infinity);
    } else {
      blocks.narrow(-1, start, rows)
          .masked_fill_(diagonal_mask.narrow(0, 0, rows).narrow(1, 0, rows), minus_infinity);
    }
    at::Tensor weights = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());
    at::Tensor values = at::matmul(weights, v.narrow(2, first_key, span));
    out.narrow(3, start, rows).copy_(values.view({batch, kv_heads, group, rows, dim}));
  }
  return out.view({batch, heads, length, dim});
}

}  // namespace afbs
