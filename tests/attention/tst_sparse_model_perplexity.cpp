// Sparse attention through the model: perplexity with a dense-equivalent config equals the
// dense perplexity exactly; sparse presets run and report their sparsity.
#include <QtTest>

#include <random>

#include "core/attention/sparse_layer_attention.h"
#include "core/attention/sparse_preset.h"
#include "core/eval/perplexity.h"
#include "core/model/model.h"

using afbs::SparseConfig;
using afbs::SparseLayerAttention;

namespace {

afbs::ModelConfig toy_config() {
  afbs::ModelConfig config;
  config.architecture = "LlamaForCausalLM";
  config.hidden_size = 256;
  config.intermediate_size = 512;
  config.num_layers = 2;
  config.num_heads = 4;
  config.num_kv_heads = 2;
  config.head_dim = 64;
  config.vocab_size = 128;
  config.max_position_embeddings = 1024;
  return config;
}

afbs::ModelIdentity identity(const afbs::ModelConfig& c) {
  return {.name = "toy",
          .fingerprint = "",
          .layers = c.num_layers,
          .heads = c.num_heads,
          .kv_heads = c.num_kv_heads,
          .head_dim = c.head_dim};
}

std::vector<int32_t> tokens(size_t count) {
  std::mt19937 random(5);
  std::vector<int32_t> ids(count);
  for (int32_t& id : ids)
    id = static_cast<int32_t>(random() % 128);
  return ids;
}

}  // namespace

class TestSparseModelPerplexity : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void initTestCase() {
    auto model = afbs::Model::create_random(toy_config(), {}, 3);
    QVERIFY2(model.ok(), model ? "" : model.error().message.c_str());
    model_ = std::move(*model);
  }

  void dense_equivalent_configs_are_exact() {
    const auto stream = tokens(2 * 300);
    afbs::PerplexityOptions options;
    options.window_tokens = 300;  // two windows in one batch: B = 2, a partial last block
    auto dense = afbs::compute_perplexity(*model_, stream, options);
    QVERIFY(dense.ok());
    // θ ≥ 1 everywhere, or τ = 1 everywhere: every block kept, the PV-skip off.
    for (double theta : {1.0, 0.5}) {
      afbs::HeadConfig head;
      head.theta = theta;
      head.tau = theta >= 1.0 ? 0.3 : 1.0;
      SparseLayerAttention attention(SparseConfig::uniform(identity(toy_config()), head),
                                     &model_->dense_attention());
      options.attention = &attention;
      auto sparse = afbs::compute_perplexity(*model_, stream, options);
      QVERIFY(sparse.ok());
      QCOMPARE(sparse->perplexity, dense->perplexity);
      QCOMPARE(attention.mean_sparsity(), 0.0);
    }
    // The same full masks through the block routine itself (λ just under 50 stops the
    // hand-off to the model's dense attention): equal within fp32 rounding.
    afbs::HeadConfig head;
    head.tau = 1.0;
    head.lambda = 49.0;
    SparseLayerAttention routine(SparseConfig::uniform(identity(toy_config()), head));
    options.attention = &routine;
    auto through_routine = afbs::compute_perplexity(*model_, stream, options);
    QVERIFY(through_routine.ok());
    QVERIFY(std::fabs(through_routine->perplexity / dense->perplexity - 1.0) < 1e-5);
  }

  void presets_report_sparsity() {
    const auto stream = tokens(640);
    afbs::PerplexityOptions options;
    options.window_tokens = 640;
    for (const char* preset : {"sparge-default", "topk:0.3", "window:128"}) {
      auto config = afbs::preset_config(preset, identity(toy_config()));
      QVERIFY(config.ok());
      SparseLayerAttention attention(*config, &model_->dense_attention());
      options.attention = &attention;
      auto result = afbs::compute_perplexity(*model_, stream, options);
      QVERIFY2(result.ok(), preset);
      QVERIFY(std::isfinite(result->perplexity));
      if (std::string(preset) != "sparge-default")
        QVERIFY2(attention.mean_sparsity() > 0.2, preset);
    }
  }

 private:
  std::unique_ptr<afbs::Model> model_;
};

QTEST_APPLESS_MAIN(TestSparseModelPerplexity)
#include "tst_sparse_model_perplexity.moc"
