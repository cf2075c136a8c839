// Streaming capture on the demo model (DESIGN.md §3): a layer's Q/K/V streamed through the
// kept residual streams are bitwise those of a whole forward, a streamed session tunes to
// exactly the config the all-layers-up-front session gives, and what it holds is one layer's
// captures whatever the number of layers tuned.
#include <QTemporaryDir>
#include <QtTest>

#include <ATen/ATen.h>

#include "core/attention/attention_evaluator.h"
#include "core/common/atomic_file.h"
#include "core/common/resource_paths.h"
#include "core/model/model.h"
#include "core/model/synthetic_checkpoint.h"
#include "core/session/layer_stream.h"
#include "core/session/tuning_session.h"
#include "tests/engine/resume_checks.h"
#include "tests/session/demo_session.h"

using namespace afbs;

namespace {

constexpr int kWindows = 2;  // one tune window, one validation window

// Every layer, at 64 and 128 tokens.
std::optional<SessionOptions> small_options() {
  auto options = testing::demo_session_options();
  if (!options) return std::nullopt;
  options->engine.fidelity_lengths = {64, 128};
  options->engine.layers.clear();
  return options;
}

engine::RunResult tune(const SessionOptions& options, SessionCosts* costs) {
  auto session = TuningSession::prepare(options);
  if (!session) {
    engine::RunResult failed;
    failed.message = session.error().message;
    return failed;
  }
  engine::RunResult run = (*session)->run(nullptr);
  *costs = (*session)->costs();
  return run;
}

// Host bytes one layer's capture of one window holds in the evaluator: q, q / √D, k, v fp32.
int64_t layer_window_bytes(const ModelConfig& c, int64_t tokens) {
  return 4 * tokens * c.head_dim * (2 * c.num_heads + 2 * c.num_kv_heads);
}

}  // namespace

class TestLayerStream : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void streamed_qkv_are_those_of_a_whole_forward() {
    auto dir = find_demo_model();
    if (!dir) QSKIP("the demo model is not present");
    auto model = Model::load(*dir);
    QVERIFY(model.ok());
    std::vector<int32_t> tokens;
    for (int t = 0; t < 96; ++t)
      tokens.push_back(7 + (t * 37) % 900);
    auto whole = (*model)->capture((*model)->token_tensor(tokens));
    QVERIFY(whole.ok());
    AttentionEvaluator evaluator;
    LayerStream stream(**model, evaluator, {{3, tokens}});
    const int layers = static_cast<int>((*model)->config().num_layers);
    for (int layer : {1, 4, 2}) {  // 2 after 4: a re-stream from the embedding
      QVERIFY(stream.bring_to(layer).ok());
      QCOMPARE(stream.held_layer(), layer);
      // The evaluator scores the streamed capture as it scores the whole forward's.
      AttentionEvaluator reference;
      const LayerQkv& qkv = whole->layers[static_cast<size_t>(layer)];
      QVERIFY(reference.add_capture(layer, 3, qkv.q, qkv.k, qkv.v).ok());
      std::vector<HeadSetting> settings(8, HeadSetting{0.2, 0.9, 50.0});
      auto streamed = evaluator.evaluate_all_heads(layer, 3, 96, settings);
      auto expected = reference.evaluate_all_heads(layer, 3, 96, settings);
      QVERIFY(streamed.ok() && expected.ok());
      for (size_t h = 0; h < settings.size(); ++h) {
        QCOMPARE((*streamed)[h].error, (*expected)[h].error);
        QCOMPARE((*streamed)[h].kept_blocks, (*expected)[h].kept_blocks);
      }
      QCOMPARE(evaluator.held_capture_bytes(), reference.held_capture_bytes());
    }
    QCOMPARE(stream.passes(), 2);
    QCOMPARE(stream.layer_forwards(), int64_t(2 + 3 + 3));  // 0-1, 2-4, then 0-2 again
    QVERIFY(stream.bring_to(layers).error().message.find("not in the model") != std::string::npos);
    QCOMPARE(stream.held_layer(), -1);
    QCOMPARE(evaluator.held_capture_bytes(), int64_t(0));
  }

  // The check: streaming tunes to the identical config and evaluations.
  void streaming_tunes_exactly_as_capturing_up_front() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    options->engine.layers = {0, 2, 3};
    options->perplexity_guard = false;
    SessionCosts streamed_costs, up_front_costs;
    const engine::RunResult streamed = tune(*options, &streamed_costs);
    options->stream_layers = false;
    const engine::RunResult up_front = tune(*options, &up_front_costs);
    QVERIFY2(streamed.status == engine::RunStatus::Succeeded, streamed.message.c_str());
    QVERIFY2(up_front.status == engine::RunStatus::Succeeded, up_front.message.c_str());
    QCOMPARE(streamed.evaluations.size(), up_front.evaluations.size());
    for (size_t i = 0; i < streamed.evaluations.size(); ++i) {
      const engine::EvaluationRecord &a = streamed.evaluations[i], &b = up_front.evaluations[i];
      QCOMPARE(a.layer, b.layer);
      QCOMPARE(a.head, b.head);
      QCOMPARE(a.tau, b.tau);
      QCOMPARE(a.theta, b.theta);
      QCOMPARE(a.sparsity, b.sparsity);
      QCOMPARE(a.error, b.error);
    }
    QCOMPARE(streamed.layers.size(), size_t(3));
    engine::testing::compare_heads(streamed, up_front);
    // One pass, and no layer past the last tuned one (3) was run.
    QCOMPARE(streamed_costs.capture_passes, 1);
    QCOMPARE(streamed_costs.layer_forwards, int64_t(kWindows * 4));
    QCOMPARE(up_front_costs.capture_passes, 0);
  }

  // Peak capture memory is one layer's, whether one layer is tuned or all six; capturing up
  // front holds all six.
  void held_captures_do_not_grow_with_the_layers_tuned_data() {
    QTest::addColumn<std::vector<int>>("layers");
    QTest::newRow("one layer") << std::vector<int>{4};
    QTest::newRow("all six") << std::vector<int>{0, 1, 2, 3, 4, 5};
  }
  void held_captures_do_not_grow_with_the_layers_tuned() {
    QFETCH(std::vector<int>, layers);
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    options->engine.layers = layers;
    options->perplexity_guard = false;
    options->engine.method = engine::TuningMethod::Static;  // one probe a head: memory only
    SessionCosts costs;
    const engine::RunResult run = tune(*options, &costs);
    QVERIFY2(run.status == engine::RunStatus::Succeeded, run.message.c_str());
    auto config = load_model_config(options->model_dir);
    QVERIFY(config.ok());
    const int64_t one_layer = kWindows * layer_window_bytes(*config, 128);
    QCOMPARE(costs.peak_capture_bytes, one_layer);
    QCOMPARE(costs.layer_forwards, int64_t(kWindows) * (layers.back() + 1));

    options->stream_layers = false;
    const engine::RunResult up_front = tune(*options, &costs);
    QVERIFY(up_front.status == engine::RunStatus::Succeeded);
    QCOMPARE(costs.peak_capture_bytes, one_layer * config->num_layers);
  }

  void a_run_behind_the_streams_restreams() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    options->perplexity_guard = false;
    options->engine.method = engine::TuningMethod::Static;
    auto session = TuningSession::prepare(*options);
    QVERIFY(session.ok());
    engine::EngineOptions later = options->engine;
    later.layers = {3};
    QCOMPARE((*session)->run(later, nullptr).status, engine::RunStatus::Succeeded);
    later.layers = {1};
    QCOMPARE((*session)->run(later, nullptr).status, engine::RunStatus::Succeeded);
    later.layers = {1, 2};  // layer 1 is held: layer 2 is one more step
    QCOMPARE((*session)->run(later, nullptr).status, engine::RunStatus::Succeeded);
    const SessionCosts costs = (*session)->costs();
    QCOMPARE(costs.capture_passes, 2);
    QCOMPARE(costs.layer_forwards, int64_t(kWindows * (4 + 2 + 1)));
  }

  // Ladders up to n_F 32768 where the model's context allows: a one-layer tiny model of
  // context 32768 takes 8k/16k/32k (streaming, prepare() captures nothing, so this is quick);
  // the demo model (context 4096) refuses it by name, before looking at the text.
  void long_ladders_where_the_context_allows() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    QTemporaryDir temp;
    const std::filesystem::path dir = temp.path().toStdString();
    auto shape = synthetic_shape("tiny-gqa");
    QVERIFY(shape.ok());
    shape->layers = 1;
    shape->context = 32768;
    QVERIFY(
        write_synthetic_checkpoint(*shape, dir / "model", options->model_dir / "tokenizer.model", 0)
            .ok());
    auto text = read_file_bytes(options->text);  // 55k tokens: three times over for 2 x 32k
    QVERIFY(text.ok());
    QVERIFY(write_file_atomically(dir / "text.txt", *text + *text + *text).ok());

    const std::vector<int> ladder{8192, 16384, 32768};
    SessionOptions long_options = *options;
    long_options.model_dir = dir / "model";
    long_options.text = dir / "text.txt";
    long_options.engine.fidelity_lengths = ladder;
    auto session = TuningSession::prepare(long_options);
    QVERIFY2(session.ok(), session.ok() ? "" : session.error().message.c_str());
    QCOMPARE((*session)->ladder(), ladder);

    options->engine.fidelity_lengths = ladder;
    auto refused = TuningSession::prepare(*options);
    QVERIFY(!refused.ok());
    const QString message = QString::fromStdString(refused.error().message);
    QVERIFY2(message.contains("fidelity 32768 exceeds the model's context of 4096 tokens") &&
                 message.contains("config.json"),
             qPrintable(message));
  }
};

QTEST_APPLESS_MAIN(TestLayerStream)
#include "tst_layer_stream.moc"
