#include "reference_forward.h"

#include <ATen/ATen.h>

#include <cmath>

namespace afbs::test {
namespace {

using nlohmann::json;

struct Reference {
  const json& config;
  const std::map<std::string, at::Tensor>& weights;
  std::string arch = config["architectures"][0].get<std::string>();
  bool gemma = arch == "Gemma2ForCausalLM";
  bool phi3 = arch == "Phi3ForCausalLM";
  bool qwen3 = arch == "Qwen3ForCausalLM";
  int64_t hidden = config["hidden_size"].get<int64_t>();
  int64_t heads = config["num_attention_heads"].get<int64_t>();
  int64_t kv_heads = config.value("num_key_value_heads", heads);
  int64_t dim = config.value("head_dim", hidden / heads);
  int64_t inter = config["intermediate_size"].get<int64_t>();
  double eps = config.value("rms_norm_eps", 1e-6);

  at::Tensor w(const std::string& name) const {
    auto it = weights.find(name);
    return it == weights.end() ? at::Tensor() : it->second.to(at::kDouble);
  }
  bool has(const std::string& name) const { return weights.count(name) > 0; }

  // x [N, C] normalised over C; Gemma scales by (1 + w).
  at::Tensor norm(const at::Tensor& x, const at::Tensor& weight) const {
    at::Tensor normed = x / at::sqrt(x.pow(2).mean(-1, true) + eps);
    return normed * (gemma ? 1.0 + weight : weight);
  }

  at::Tensor project(const at::Tensor& x, const std::string& name) const {
    at::Tensor out = at::matmul(x, w(name + ".weight").t());
    return has(name + ".bias") ? out + w(name + ".bias") : out;
  }

  int64_t window(int64_t layer) const {
    auto it = config.find("sliding_window");
    const int64_t size = it == config.end() || it->is_null() ? 0 : it->get<int64_t>();
    if (gemma) return layer % 2 == 0 ? size : 0;  // sliding, full, sliding, ...
    if (phi3 || arch == "MistralForCausalLM") return size;
    if (arch.rfind("Qwen", 0) == 0 && config.value("use_sliding_window", false)) {
      return layer >= config.value("max_window_layers", int64_t{28}) ? size : 0;
    }
    return 0;
  }

  // x [L, D'] rotated on its first R dimensions, pairs (i, i + R/2).
  at::Tensor rope(const at::Tensor& x) const {
    const double theta = config.value("rope_theta", 10000.0);
    const auto rotary =
        static_cast<int64_t>(static_cast<double>(dim) * config.value("partial_rotary_factor", 1.0));
    at::Tensor out = x.clone();
    const int64_t half = rotary / 2;
    for (int64_t pos = 0; pos < x.size(0); ++pos) {
      for (int64_t i = 0; i < half; ++i) {
        const double angle =
            static_cast<double>(pos) / std::pow(theta, 2.0 * static_cast<double>(i) / rotary);
        const double a = x[pos][i].item<double>(), b = x[pos][i + half].item<double>();
        out[pos][i] = a * std::cos(angle) - b * std::sin(angle);
        out[pos][i + half] = b * std::cos(angle) + a * std::sin(angle);
      }
    }
    return out;
  }

  // One head's causal attention, one query at a time.
  at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                    int64_t window_size) const {
    const double scale = gemma ? 1.0 / std::sqrt(config.value("query_pre_attn_scalar", 256.0))
                               : 1.0 / std::sqrt(dim);
    const double cap = gemma ? config.value("attn_logit_softcapping", 0.0) : 0.0;
    at::Tensor out = at::zeros_like(q);
    for (int64_t i = 0; i < q.size(0); ++i) {
      const int64_t first = window_size > 0 ? std::max<int64_t>(0, i - window_size + 1) : 0;
      at::Tensor scores = at::matmul(k.slice(0, first, i + 1), q[i]) * scale;
      if (cap > 0) scores = at::tanh(scores / cap) * cap;
      at::Tensor p = at::softmax(scores, 0);
      out[i] = at::matmul(p, v.slice(0, first, i + 1));
    }
    return out;
  }

  at::Tensor gelu_tanh(const at::Tensor& x) const {
    return 0.5 * x * (1.0 + at::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x.pow(3))));
  }

  at::Tensor layer(at::Tensor h, int64_t i) const {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    const int64_t length = h.size(0);
    at::Tensor x = norm(h, w(p + "input_layernorm.weight"));
    at::Tensor q, k, v;
    if (phi3) {
      at::Tensor qkv = project(x, p + "self_attn.qkv_proj");
      q = qkv.slice(1, 0, heads * dim);
      k = qkv.slice(1, heads * dim, (heads + kv_heads) * dim);
      v = qkv.slice(1, (heads + kv_heads) * dim, (heads + 2 * kv_heads) * dim);
    } else {
      q = project(x, p + "self_attn.q_proj");
      k = project(x, p + "self_attn.k_proj");
      v = project(x, p + "self_attn.v_proj");
    }
    at::Tensor context = at::zeros({length, heads * dim}, at::kDouble);
    for (int64_t head = 0; head < heads; ++head) {
      const int64_t kv = head / (heads / kv_heads);
      at::Tensor qh = q.slice(1, head * dim, (head + 1) * dim);
      at::Tensor kh = k.slice(1, kv * dim, (kv + 1) * dim);
      if (qwen3) {
        qh = norm(qh, w(p + "self_attn.q_norm.weight"));
        kh = norm(kh, w(p + "self_attn.k_norm.weight"));
      }
      context.slice(1, head * dim, (head + 1) * dim) =
          attend(rope(qh), rope(kh), v.slice(1, kv * dim, (kv + 1) * dim), window(i));
    }
    at::Tensor attended = project(context, p + "self_attn.o_proj");
    if (gemma) attended = norm(attended, w(p + "post_attention_layernorm.weight"));
    h = h + attended;
    x = norm(
        h, w(p + (gemma ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight")));
    at::Tensor gate, up;
    if (phi3) {
      at::Tensor gate_up = project(x, p + "mlp.gate_up_proj");
      gate = gate_up.slice(1, 0, inter);
      up = gate_up.slice(1, inter, 2 * inter);
    } else {
      gate = project(x, p + "mlp.gate_proj");
      up = project(x, p + "mlp.up_proj");
    }
    at::Tensor act = gemma ? gelu_tanh(gate) : gate * at::sigmoid(gate);
    at::Tensor mlp = project(act * up, p + "mlp.down_proj");
    if (gemma) mlp = norm(mlp, w(p + "post_feedforward_layernorm.weight"));
    return h + mlp;
  }
};

}  // namespace

at::Tensor reference_logits(const json& config, const std::map<std::string, at::Tensor>& weights,
                            const std::vector<int64_t>& tokens) {
  Reference ref{config, weights};
  at::Tensor embedding = ref.w("model.embed_tokens.weight");
  at::Tensor ids = at::tensor(at::ArrayRef<int64_t>(tokens), at::kLong);
  at::Tensor h = embedding.index_select(0, ids);
  if (ref.gemma) h = h * std::sqrt(static_cast<double>(ref.hidden));
  const int64_t layers = config["num_hidden_layers"].get<int64_t>();
  for (int64_t i = 0; i < layers; ++i)
    h = ref.layer(h, i);
  h = ref.norm(h, ref.w("model.norm.weight"));
  at::Tensor head = ref.has("lm_head.weight") ? ref.w("lm_head.weight") : embedding;
  at::Tensor logits = at::matmul(h, head.t());
  const double cap = ref.gemma ? config.value("final_logit_softcapping", 0.0) : 0.0;
  return cap > 0 ? at::tanh(logits / cap) * cap : logits;
}

}  // namespace afbs::test
