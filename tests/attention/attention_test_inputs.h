#pragma once

// Inputs shared by the attention suites: hand-built blocks whose masks are worked out by
// hand, and realistic "local + sink" heads whose attention is worth sparsifying.

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

namespace afbs::test {

// q [heads, n, D]: every row 8·e0, so pooled scores are (c_j − c̄) for keys built below.
inline at::Tensor constant_queries(int64_t heads, int64_t length, int64_t dim = 64) {
  at::Tensor q = at::zeros({heads, length, dim});
  q.select(2, 0).fill_(8.0f);
  return q;
}

// k [1, n, D]: key block j's rows are ln(weights[j])·e0, so with constant_queries the
// compressed softmax of a row is proportional to the weights of its visible blocks.
inline at::Tensor weighted_keys(const std::vector<double>& weights, int64_t block, int64_t length,
                                int64_t dim = 64) {
  at::Tensor k = at::zeros({1, length, dim});
  for (int64_t t = 0; t < length; ++t) {
    k[0][t][0] = static_cast<float>(std::log(weights[t / block]));
  }
  return k;
}

// Rows ±amplitude·e1 alternating, added to block `block_index` of x [H, n, D]: the pooled
// mean is unchanged and the block's coherence drops to near 0.
inline void make_incoherent(at::Tensor& x, int64_t head, int64_t block_index, int64_t block,
                            float amplitude = 100.0f) {
  for (int64_t r = 0; r < block; ++r) {
    x[head][block_index * block + r][1] += (r % 2 == 0 ? amplitude : -amplitude);
  }
}

// Heads with a local + sink pattern: each query resembles its recent keys and the first
// few tokens, plus noise. q [hq, n, D], k/v [hkv, n, D].
struct LocalSinkHeads {
  at::Tensor q, k, v;
};

inline LocalSinkHeads local_sink_heads(int64_t hq, int64_t hkv, int64_t length, int64_t dim,
                                       uint64_t seed) {
  at::manual_seed(seed);
  // A "topic" changes every 64 tokens (offset from the block grid), so blocks are coherent
  // at moderate θ (≈ 0.3) and each query favours its own stretch of text and the sink.
  at::Tensor topics = at::randn({hkv, length / 64 + 2, dim});
  at::Tensor position_topic = ((at::arange(length) + 17) / 64).to(at::kLong);
  at::Tensor k = topics.index_select(1, position_topic) * 1.5 + at::randn({hkv, length, dim});
  // A sink: the first tokens share a direction every query leans towards.
  const at::Tensor sink = at::randn({hkv, 1, dim});
  k.narrow(1, 0, 4).add_(sink * 3.0);
  at::Tensor q = (k + sink * 0.5).repeat_interleave(hq / hkv, 0) + at::randn({hq, length, dim});
  at::Tensor v = at::randn({hkv, length, dim});
  return {q.contiguous(), k.contiguous(), v.contiguous()};
}

// Naive causal attention with a token-level keep matrix [n, n] (1 = attend), fp64.
inline at::Tensor naive_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                  const at::Tensor& keep) {
  at::Tensor scores = at::matmul(q.to(at::kDouble), k.to(at::kDouble).t()) /
                      std::sqrt(static_cast<double>(q.size(1)));
  const int64_t n = q.size(0);
  at::Tensor causal = at::ones({n, n}, at::kBool).tril();
  scores = scores.masked_fill(causal.logical_and(keep.to(at::kBool)).logical_not(),
                              -std::numeric_limits<double>::infinity());
  return at::matmul(at::softmax(scores, 1), v.to(at::kDouble)).to(at::kFloat);
}

}  // namespace afbs::test
