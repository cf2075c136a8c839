// The model's sparse seam: per-head settings mixed in one layer, batches, dtypes, the
// dense hand-off, and the sparsity it tallies.
#include <QtTest>

#include "core/attention/block_sparse_attention.h"
#include "core/attention/mask_predictor.h"
#include "core/attention/sparse_layer_attention.h"
#include "core/attention/sparse_preset.h"
#include "tests/attention/attention_test_inputs.h"

using afbs::SparseConfig;
using afbs::SparseLayerAttention;

namespace {

// Naive dense attention standing in for the model's; counts its calls.
class NaiveDense : public afbs::LayerAttention {
 public:
  at::Tensor attend(int, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) override {
    ++calls;
    const int64_t group = q.size(1) / k.size(1), n = q.size(2);
    at::Tensor out = at::empty_like(q);
    for (int64_t b = 0; b < q.size(0); ++b) {
      for (int64_t h = 0; h < q.size(1); ++h) {
        out[b][h] = afbs::test::naive_attention(q[b][h], k[b][h / group], v[b][h / group],
                                                at::ones({n, n}));
      }
    }
    return out;
  }
  int calls = 0;
};

const afbs::ModelIdentity kModel{
    .name = "toy", .fingerprint = "", .layers = 2, .heads = 4, .kv_heads = 2, .head_dim = 64};

struct Batch {
  at::Tensor q, k, v;  // [B, H, L, D]
};

Batch batch_of(int64_t batch, int64_t length) {
  std::vector<at::Tensor> q, k, v;
  for (int64_t b = 0; b < batch; ++b) {
    const auto heads = afbs::test::local_sink_heads(4, 2, length, 64, 30 + b);
    q.push_back(heads.q);
    k.push_back(heads.k);
    v.push_back(heads.v);
  }
  return {at::stack(q), at::stack(k), at::stack(v)};
}

afbs::HeadConfig head(double theta, double tau, double lambda = 50.0) {
  afbs::HeadConfig config;
  config.theta = theta;
  config.tau = tau;
  config.lambda = lambda;
  return config;
}

// Layer 1: a dense head, a PV-skipping head, a sparse head and a θ = 1 head.
SparseConfig mixed_config() {
  SparseConfig config = SparseConfig::uniform(kModel, {});
  config.layers[1][0].sparse = false;
  config.layers[1][1] = head(1.0, 1.0, 0.0);  // a dense mask thinned by the PV-skip
  config.layers[1][2] = head(0.3, 0.5);
  config.layers[1][3] = head(1.0, 0.5);
  return config;
}

float max_difference(const at::Tensor& a, const at::Tensor& b) {
  return (a.to(at::kFloat) - b.to(at::kFloat)).abs().max().item<float>();
}

}  // namespace

class TestSparseLayerAttention : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void mixed_heads_in_one_layer() {
    NaiveDense dense;
    SparseLayerAttention attention(mixed_config(), &dense);
    const Batch in = batch_of(1, 512);
    const at::Tensor out = attention.attend(1, in.q, in.k, in.v);
    QCOMPARE(dense.calls, 0);  // not every head is dense
    const at::Tensor exact = dense.attend(1, in.q, in.k, in.v);
    QVERIFY(max_difference(out[0][0], exact[0][0]) < 2e-5f);  // dense head
    QVERIFY(max_difference(out[0][3], exact[0][3]) < 2e-5f);  // θ = 1: dense mask
    QVERIFY(max_difference(out[0][2], exact[0][2]) > 1e-4f);  // the sparse head differs
    // Each sparse head equals the block routine run on its own predicted mask.
    auto predictor = afbs::MaskPredictor::build(in.q[0], in.k[0], {});
    QVERIFY(predictor.ok());
    const SparseConfig config = mixed_config();
    for (int h : {1, 2}) {
      const afbs::BlockMask mask = predictor->predict(h, config.setting(1, h));
      at::Tensor alone = at::empty({512, 64});
      afbs::HeadAttentionJob job;
      job.q = in.q[0][h] * static_cast<float>(afbs::attention_score_scale(64));
      job.k = in.k[0][h / 2].contiguous();
      job.v = in.v[0][h / 2].contiguous();
      job.mask = &mask;
      job.lambda = config.setting(1, h).lambda;
      job.output = alone;
      afbs::run_block_sparse_attention({job});
      QVERIFY(at::equal(out[0][h], alone));
    }
    const auto tallies = attention.tallies();
    QCOMPARE(tallies[1][0].kept_blocks, tallies[1][0].causal_blocks);
    QVERIFY(tallies[1][2].kept_blocks < tallies[1][2].causal_blocks);
    QVERIFY(tallies[1][1].skipped_blocks > 0);
    QCOMPARE(tallies[0][0].causal_blocks, int64_t{0});  // layer 0 never ran
    const double expected = (0.0 + (1.0 - double(tallies[1][1].kept_blocks) / 36) +
                             (1.0 - double(tallies[1][2].kept_blocks) / 36) + 0.0) /
                            4;
    QCOMPARE(attention.mean_sparsity(), expected);  // 512 tokens: 36 causal blocks per head
    QVERIFY(attention.skip_rate() > 0.0);
  }

  void all_dense_layer_goes_to_the_dense_attention() {
    NaiveDense dense;
    SparseConfig config = mixed_config();
    config.layers[0][1] = head(0.2, 1.0);  // τ = 1: dense mask, λ off
    config.layers[0][2] = head(1.5, 0.1);
    config.layers[0][0].sparse = false;
    config.layers[0][3] = head(1.0, 0.3);
    SparseLayerAttention attention(config, &dense);
    const Batch in = batch_of(2, 300);
    const at::Tensor out = attention.attend(0, in.q, in.k, in.v);
    QCOMPARE(dense.calls, 1);
    QVERIFY(at::equal(out, dense.attend(0, in.q, in.k, in.v)));
    QCOMPARE(attention.mean_sparsity(), 0.0);
  }

  void batch_elements_are_independent() {
    SparseLayerAttention attention(mixed_config());
    const Batch in = batch_of(3, 320);
    const at::Tensor together = attention.attend(1, in.q, in.k, in.v);
    for (int64_t b = 0; b < 3; ++b) {
      const at::Tensor alone =
          attention.attend(1, in.q.narrow(0, b, 1), in.k.narrow(0, b, 1), in.v.narrow(0, b, 1));
      QVERIFY(at::equal(together.narrow(0, b, 1), alone));
    }
  }

  void keeps_the_callers_dtype() {
    SparseLayerAttention attention(mixed_config());
    const Batch in = batch_of(1, 256);
    const at::Tensor out =
        attention.attend(1, in.q.to(at::kBFloat16), in.k.to(at::kBFloat16), in.v.to(at::kBFloat16));
    QCOMPARE(out.scalar_type(), at::kBFloat16);
    QVERIFY(max_difference(out, attention.attend(1, in.q, in.k, in.v)) < 0.1f);
  }

  void presets_run() {
    const Batch in = batch_of(1, 512);
    double previous = -1.0;
    for (const char* preset : {"dense", "window:128", "topk:0.3"}) {
      auto config = afbs::preset_config(preset, kModel);
      QVERIFY(config.ok());
      SparseLayerAttention attention(*config);
      attention.attend(0, in.q, in.k, in.v);
      QVERIFY2(attention.mean_sparsity() > previous, preset);
      previous = attention.mean_sparsity();
    }
  }

  void refuses_a_wrong_shape() {
    SparseLayerAttention attention(mixed_config());
    const Batch in = batch_of(1, 128);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             attention.attend(0, in.q.narrow(1, 0, 2), in.k, in.v));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, attention.attend(5, in.q, in.k, in.v));
  }
};

QTEST_APPLESS_MAIN(TestSparseLayerAttention)
#include "tst_sparse_layer_attention.moc"
