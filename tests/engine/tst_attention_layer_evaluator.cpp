// The engine over the real batched attention evaluator, on random captures: it runs to the
// end, counts exactly what the evaluator counts, and every sparse head meets its target.
#include <ATen/ATen.h>
#include <QtTest>

#include "core/attention/attention_evaluator.h"
#include "core/engine/attention_layer_evaluator.h"
#include "core/engine/perplexity_guard.h"
#include "core/engine/run_config.h"
#include "core/engine/tuning_engine.h"
#include "core/eval/perplexity.h"
#include "core/eval/qkv_capture.h"
#include "core/model/model.h"
#include "tests/engine/synthetic_layer_evaluator.h"

using namespace afbs::engine;

class TestAttentionLayerEvaluator : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void tunesRandomCapturesThroughTheRealEvaluator() {
    constexpr int kLayers = 2, kHeads = 4, kKvHeads = 2, kLength = 512, kHeadDim = 32;
    at::manual_seed(3);
    std::vector<afbs::WindowCapture> captures;
    for (int window : {0, 1, 2}) {
      afbs::WindowCapture capture;
      capture.window = window;
      for (int layer = 0; layer < kLayers; ++layer) {
        // Every query leans on one direction that only the keys of blocks 0 and 3 share, so
        // attention piles up there and the other blocks can be dropped at little error.
        at::Tensor direction = at::randn({kHeadDim});
        direction = direction / direction.norm();
        at::Tensor k = at::randn({kKvHeads, kLength, kHeadDim}) * 0.3;
        k.narrow(1, 0, 64).add_(direction * 6.0);
        k.narrow(1, 192, 64).add_(direction * 6.0);
        capture.q.push_back(at::randn({kHeads, kLength, kHeadDim}) * 0.3 + direction * 6.0);
        capture.k.push_back(k);
        capture.v.push_back(at::randn({kKvHeads, kLength, kHeadDim}));
      }
      captures.push_back(std::move(capture));
    }
    afbs::AttentionEvaluator attention;
    QVERIFY(register_captures(attention, captures).ok());

    CalibrationPlan plan;
    plan.layers = kLayers;
    plan.heads = kHeads;
    plan.tune_windows = {0, 1};
    plan.validation_windows = {2};
    plan.ladder = default_fidelity_ladder(kLength, 64);
    QCOMPARE(plan.ladder, (std::vector<int>{128, 256, 512}));
    AttentionLayerEvaluator evaluator(attention, plan);

    // These toy heads cannot drop a block for less than about 0.4 error, so the targets
    // are loose enough for some of them to go sparse and take every stage.
    EngineOptions options;
    options.target_error = 0.5;
    options.pv_target_error = 0.55;
    options.afbs.exploration_budget = 8;
    TuningEngine engine(evaluator, options);
    const RunResult run = engine.run();
    QVERIFY2(run.status == RunStatus::Succeeded, run.message.c_str());
    QCOMPARE(run.layers.size(), std::size_t{kLayers});

    int sparse = 0;
    for (const LayerResult& layer : run.layers) {
      for (const HeadResult& head : layer.heads)
        sparse += head.sparse ? 1 : 0;
    }
    qInfo("%d of %d heads sparse, %lld evaluations", sparse, kLayers * kHeads,
          static_cast<long long>(run.counts.evaluations));
    QVERIFY(sparse > 0);
    // Same counting on both sides of the seam.
    QCOMPARE(run.counts.evaluations, attention.counts().evaluations);
    QCOMPARE(run.counts.weighted_evaluations, attention.counts().weighted(kLength));
    for (const LayerResult& layer : run.layers) {
      QCOMPARE(layer.heads.size(), std::size_t{kHeads});
      for (const HeadResult& head : layer.heads) {
        QVERIFY(head.measured);
        if (head.sparse) {
          QVERIFY(head.meets_target);
          QVERIFY(head.error <= options.pv_target_error);
          QVERIFY(head.sparsity >= options.min_sparsity);
        }
      }
    }
    // An unknown window is an error naming it, and the run fails with it.
    plan.tune_windows = {9};
    AttentionLayerEvaluator broken(attention, plan);
    TuningEngine failing(broken, options);
    const RunResult failed = failing.run();
    QCOMPARE(failed.status, RunStatus::Failed);
    QVERIFY2(failed.message.find("window 9") != std::string::npos, failed.message.c_str());
  }

  void configRoundTripKeepsPins() {
    afbs::ModelIdentity identity;
    identity.name = "synthetic";
    identity.layers = 2;
    identity.heads = 4;
    identity.kv_heads = 2;
    identity.head_dim = 32;
    afbs::SparseConfig config = afbs::SparseConfig::uniform(identity, afbs::HeadConfig{});
    afbs::HeadConfig& pinned = config.layers[1][2];
    pinned.theta = 0.3;
    pinned.tau = 0.7;
    pinned.lambda = 9.0;
    pinned.pinned = true;
    config.layers[0][0].pinned = true;
    config.layers[0][0].sparse = false;

    afbs::engine::testing::SyntheticLayerEvaluator evaluator(
        2, afbs::engine::testing::ordinary_heads());
    EngineOptions options;
    options.afbs.exploration_budget = 8;
    TuningEngine engine(evaluator, options);
    engine.set_pin_source(pins_from_config(config));
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    QVERIFY(apply_run_to_config(run, evaluator.fidelity_lengths(), config).ok());
    QVERIFY(config.validate("round trip").ok());

    QCOMPARE(config.layers[1][2].theta, 0.3);
    QCOMPARE(config.layers[1][2].tau, 0.7);
    QCOMPARE(config.layers[1][2].lambda, 9.0);
    QVERIFY(config.layers[1][2].pinned && config.layers[1][2].sparse);
    QVERIFY(config.layers[0][0].pinned && !config.layers[0][0].sparse);
    for (const LayerResult& layer : run.layers) {
      for (const HeadResult& head : layer.heads) {
        if (head.pinned) continue;
        const afbs::HeadConfig& written = config.layers[layer.layer][head.head];
        QCOMPARE(written.tau, head.setting.tau);
        QCOMPARE(written.sparse, head.sparse);
        QCOMPARE(written.sparsity.value(), head.sparsity);
      }
    }
    QVERIFY(config.tuning.has_value());
    QCOMPARE(config.tuning->method, std::string("afbs-bo"));
    QCOMPARE(config.tuning->evaluations, run.counts.evaluations);
    QCOMPARE(config.tuning->fidelities, (std::vector<int64_t>{64, 128, 256}));

    afbs::SparseConfig too_small = afbs::SparseConfig::uniform(
        afbs::ModelIdentity{"small", "", 1, 4, 2, 32}, afbs::HeadConfig{});
    QVERIFY(!apply_run_to_config(run, evaluator.fidelity_lengths(), too_small).ok());
  }

  void guardMeasuresPerplexityWithTheLayersItIsGiven() {
    afbs::ModelConfig shape;
    shape.architecture = "LlamaForCausalLM";
    shape.hidden_size = 64;
    shape.intermediate_size = 128;
    shape.num_layers = 2;
    shape.num_heads = 4;
    shape.num_kv_heads = 2;
    shape.head_dim = 16;
    shape.vocab_size = 64;
    shape.max_position_embeddings = 512;
    shape.tie_word_embeddings = true;
    auto model = afbs::Model::create_random(shape, afbs::ModelOptions{}, 5);
    QVERIFY2(model.ok(), model.ok() ? "" : model.error().message.c_str());
    GuardText text;
    for (int i = 0; i < 512; ++i)
      text.tokens.push_back((i * 37 + i / 7) % 64);
    text.window_tokens = 256;

    afbs::HeadConfig dense_head;
    dense_head.sparse = false;
    const afbs::SparseConfig base =
        afbs::SparseConfig::uniform(afbs::ModelIdentity{"random", "", 2, 4, 2, 16}, dense_head);
    const PerplexityMeasure measure = make_perplexity_measure(**model, text, base);

    afbs::PerplexityOptions plain;
    plain.window_tokens = 256;
    const auto reference = afbs::compute_perplexity(**model, text.tokens, plain);
    QVERIFY(reference.ok());
    const afbs::Result<double> dense = measure({});
    QVERIFY2(dense.ok(), dense.ok() ? "" : dense.error().message.c_str());
    QCOMPARE(*dense, reference->perplexity);  // an all-dense config is the model's own

    LayerResult aggressive;
    aggressive.layer = 0;
    for (int head = 0; head < 4; ++head) {
      HeadResult result;
      result.head = head;
      result.sparse = true;
      result.setting.theta = -1.0;
      result.setting.tau = 0.05;
      result.setting.lambda = 50.0;
      aggressive.heads.push_back(result);
    }
    const afbs::Result<double> sparse = measure({aggressive});
    QVERIFY2(sparse.ok(), sparse.ok() ? "" : sparse.error().message.c_str());
    QVERIFY(std::isfinite(*sparse));
    QVERIFY(*sparse != *dense);

    LayerResult out_of_range = aggressive;
    out_of_range.layer = 5;
    QVERIFY(!measure({out_of_range}).ok());
  }
};

QTEST_APPLESS_MAIN(TestAttentionLayerEvaluator)
#include "tst_attention_layer_evaluator.moc"
