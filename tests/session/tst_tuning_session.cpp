// A tuning session on the bundled demo model, end to end at tiny lengths: load, capture,
// AFBS-BO on one layer, guard, config, pins, and the errors a person meets first.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <set>

#include "core/engine/run_config.h"
#include "core/session/tuning_session.h"
#include "tests/session/demo_session.h"

using namespace afbs;

namespace {

std::optional<SessionOptions> small_options() {
  return testing::demo_session_options();
}

QString message(const Error& error) {
  return QString::fromStdString(error.message);
}

}  // namespace

class TestTuningSession : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void tunes_one_layer_and_keeps_the_rest_dense() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    auto session = TuningSession::prepare(*options);
    QVERIFY2(session.ok(), session.ok() ? "" : session.error().message.c_str());
    QCOMPARE((*session)->ladder(), std::vector<int>({128, 256}));

    engine::RunResult run = (*session)->run(nullptr);
    QCOMPARE(run.status, engine::RunStatus::Succeeded);
    QCOMPARE(run.layers.size(), size_t(1));
    QVERIFY(run.counts.evaluations > 0);
    QVERIFY(run.perplexity_dense && run.perplexity_tuned);
    QVERIFY(*run.perplexity_tuned <= *run.perplexity_dense * 1.01);
    auto dense = (*session)->perplexity(nullptr);
    QVERIFY(dense.ok());
    QCOMPARE(*dense, *run.perplexity_dense);

    auto config = (*session)->config_from(run);
    QVERIFY(config.ok());
    QCOMPARE(config->layers.size(), size_t(6));
    for (int layer = 0; layer < 5; ++layer) {
      for (const HeadConfig& head : config->layers[static_cast<size_t>(layer)]) {
        QVERIFY(!head.sparse);
      }
    }
    QCOMPARE(config->model.fingerprint, (*session)->identity().fingerprint);
    QVERIFY(!config->model.fingerprint.empty());
  }

  void quality_is_reported_at_every_ladder_length() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    options->measure_quality = true;
    auto session = TuningSession::prepare(*options);
    QVERIFY(session.ok());
    struct Collector : engine::TuningObserver {
      std::vector<engine::QualityPoint> points;
      void on_quality(const engine::QualityPoint& point) override { points.push_back(point); }
    } collector;
    engine::RunResult run = (*session)->run(&collector);
    QCOMPARE(run.status, engine::RunStatus::Succeeded);
    QCOMPARE(collector.points.size(), size_t(2));
    auto config = (*session)->config_from(run);
    QVERIFY(config.ok());
    for (std::size_t i = 0; i < collector.points.size(); ++i) {
      const engine::QualityPoint& point = collector.points[i];
      QCOMPARE(point.length_tokens, (*session)->ladder()[i]);
      auto dense = (*session)->measure(nullptr, point.length_tokens);
      auto tuned = (*session)->measure(&*config, point.length_tokens);
      QVERIFY(dense.ok() && tuned.ok());
      QCOMPARE(point.perplexity_dense, dense->perplexity);
      QCOMPARE(point.perplexity_tuned, tuned->perplexity);
      QCOMPARE(point.sparsity_tuned, tuned->sparsity);
      QVERIFY(point.sparsity_tuned >= 0.0 && point.sparsity_tuned < 1.0);
      // Dense traffic: every causal 64x64 block's K and V, per query head, 2 bytes each.
      const double blocks = (point.length_tokens / 64) * (point.length_tokens / 64 + 1) / 2.0;
      QCOMPARE(point.kv_bytes_dense, blocks * 64 * 64 * 8 * 6 * 2 * 2);
      QCOMPARE(point.kv_bytes_tuned, point.kv_bytes_dense * (1.0 - point.sparsity_tuned));
      QVERIFY(!point.peak_device_bytes);  // the CPU: nothing measured, not a made-up 0
    }
    // At n_F the dense point is the guard's own measurement.
    QCOMPARE(collector.points.back().perplexity_dense, *run.perplexity_dense);
  }

  // Budget mode on the real model: the config it returns is the one it measured (the same
  // perplexity when measured again), within the budget; held-out windows are other text.
  void a_budget_run_returns_a_measured_config_within_budget() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    options->engine.budget.enabled = true;
    options->engine.budget.max_probes = 3;
    options->engine.afbs.perplexity_budget = 0.01;
    auto session = TuningSession::prepare(*options);
    QVERIFY2(session.ok(), session.ok() ? "" : session.error().message.c_str());
    engine::RunResult run = (*session)->run(nullptr);
    QVERIFY2(run.status == engine::RunStatus::Succeeded, run.message.c_str());
    QVERIFY(run.budget_probes.size() >= 2);
    QVERIFY(*run.perplexity_tuned <= *run.perplexity_dense * 1.01);
    auto config = (*session)->config_from(run);
    QVERIFY(config.ok());
    auto again = (*session)->perplexity(&*config);
    QVERIFY(again.ok());
    QVERIFY2(qFuzzyCompare(*again, *run.perplexity_tuned),
             qPrintable(QString("%1 vs %2").arg(*again).arg(*run.perplexity_tuned)));
    auto dense = (*session)->perplexity(nullptr);
    auto held_out = (*session)->measure_held_out(nullptr, 2);
    QVERIFY(dense.ok() && held_out.ok());
    QVERIFY(held_out->perplexity > 1.0 && held_out->perplexity != *dense);
  }

  // Guard windows follow the calibration windows: the guard's perplexity spans both (equal
  // windows: its log is the mean of theirs), and held-out windows start after them.
  void guard_windows_follow_the_calibration_windows() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    auto plain = TuningSession::prepare(*options);
    options->guard_windows = 2;
    auto guarded = TuningSession::prepare(*options);
    QVERIFY(plain.ok() && guarded.ok());
    auto calibration = (*plain)->perplexity(nullptr);
    auto next_two = (*plain)->measure_held_out(nullptr, 2);
    auto both = (*guarded)->perplexity(nullptr);
    auto after_guard = (*guarded)->measure_held_out(nullptr, 2);
    QVERIFY(calibration.ok() && next_two.ok() && both.ok() && after_guard.ok());
    const double expected =
        std::exp(0.5 * (std::log(*calibration) + std::log(next_two->perplexity)));
    QVERIFY2(std::abs(*both / expected - 1.0) < 1e-6,  // fp32 sums
             qPrintable(QString("%1 vs %2").arg(*both, 0, 'g', 12).arg(expected, 0, 'g', 12)));
    QVERIFY(after_guard->perplexity != next_two->perplexity);
  }

  void recapture_changes_the_ladder_and_keeps_the_model() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    auto session = TuningSession::prepare(*options);
    QVERIFY(session.ok());
    QVERIFY((*session)->recapture({64, 128}, {}).ok());
    QCOMPARE((*session)->ladder(), std::vector<int>({64, 128}));
    engine::RunResult run = (*session)->run(nullptr);
    QCOMPARE(run.status, engine::RunStatus::Succeeded);
    for (const engine::EvaluationRecord& record : run.evaluations)
      QVERIFY(record.length_tokens <= 128);
    // Longer than the model's context: refused by name before anything is dropped, so the
    // session keeps its captures and ladder.
    const Status refused = (*session)->recapture({4096, 8192}, {});
    QVERIFY(!refused.ok());
    QVERIFY2(message(refused.error()).contains("8192"), refused.error().message.c_str());
    QCOMPARE((*session)->ladder(), std::vector<int>({64, 128}));
    QCOMPARE((*session)->run(nullptr).status, engine::RunStatus::Succeeded);
  }

  // --blocks 128x64: the evaluator's masks, the config and the journal all carry the shape.
  void tunes_for_the_block_shape_asked_for() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    QTemporaryDir dir;
    options->engine.blocks = BlockShape{128, 64};
    options->engine.journal_path = dir.filePath("run.jsonl").toStdString();
    auto session = TuningSession::prepare(*options);
    QVERIFY2(session.ok(), session.ok() ? "" : session.error().message.c_str());
    const engine::RunResult run = (*session)->run(nullptr);
    QVERIFY2(run.status == engine::RunStatus::Succeeded, run.message.c_str());
    auto config = (*session)->config_from(run);
    QVERIFY(config.ok());
    QCOMPARE(config->blocks, (BlockShape{128, 64}));
    // At 256 tokens: 2 query blocks of 128 rows, 4 key blocks of 64 columns.
    auto pictures = (*session)->picture_head(5, 0, HeadSetting{}, {});
    QVERIFY2(pictures.ok(), pictures.ok() ? "" : pictures.error().message.c_str());
    QCOMPARE(pictures->back().query_blocks, int64_t{2});
    QCOMPARE(pictures->back().key_blocks, int64_t{4});

    // Its journal resumes under the same shape only: 64x64 would replay 128x64's evaluations.
    options->engine.resume = true;
    options->engine.blocks = BlockShape{};
    auto other = TuningSession::prepare(*options);
    QVERIFY(other.ok());
    const engine::RunResult refused = (*other)->run(nullptr);
    QCOMPARE(refused.status, engine::RunStatus::Failed);
    QVERIFY2(QString::fromStdString(refused.message).contains("another run"),
             refused.message.c_str());
    options->engine.blocks = BlockShape{128, 64};
    auto same = TuningSession::prepare(*options);
    QVERIFY(same.ok());
    const engine::RunResult resumed = (*same)->run(nullptr);
    QVERIFY2(resumed.status == engine::RunStatus::Succeeded, resumed.message.c_str());
    QCOMPARE(resumed.counts.replayed, run.counts.evaluations);
  }

  void refuses_a_block_shape_the_kernels_lack() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    options->engine.blocks = BlockShape{96, 64};
    auto session = TuningSession::prepare(*options);
    QVERIFY(!session.ok());
    QVERIFY2(message(session.error()).contains("block shape 96x64"),
             session.error().message.c_str());
  }

  // The guard's dense perplexity is scored by the capture's own forward (up front, or the
  // stream passing the last layer): no dense pass of its own, and the value a dense pass
  // gives. A streamed run that never reaches the last layer measures it as before.
  void the_capture_scores_the_guards_dense_pass_data() {
    QTest::addColumn<bool>("stream");
    QTest::addColumn<int>("layer");
    QTest::addColumn<bool>("scored");
    QTest::newRow("up front") << false << 3 << true;
    QTest::newRow("streamed to the last layer") << true << 5 << true;
    QTest::newRow("streamed to layer 3") << true << 3 << false;
  }
  void the_capture_scores_the_guards_dense_pass() {
    QFETCH(bool, stream);
    QFETCH(int, layer);
    QFETCH(bool, scored);
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    options->stream_layers = stream;
    options->engine.layers = {layer};
    struct Phases : engine::TuningObserver, engine::PhaseObserver {
      std::set<std::string> seen;
      void on_phase(const engine::PhaseProgress& progress) override { seen.insert(progress.phase); }
    } phases;
    auto session = TuningSession::prepare(*options);
    QVERIFY2(session.ok(), session.ok() ? "" : session.error().message.c_str());
    const engine::RunResult run = (*session)->run(&phases);
    QCOMPARE(run.status, engine::RunStatus::Succeeded);
    QCOMPARE(phases.seen.count("guard: dense perplexity") == 0, scored);
    QVERIFY(phases.seen.count("guard round 1: tuned perplexity") == 1);
    auto dense = (*session)->perplexity(nullptr);
    QVERIFY(dense.ok());
    QVERIFY2(
        std::abs(*run.perplexity_dense / *dense - 1.0) < 1e-6,  // fp32 batching
        qPrintable(
            QString("%1 vs %2").arg(*run.perplexity_dense, 0, 'g', 12).arg(*dense, 0, 'g', 12)));
  }

  void a_pinned_head_comes_back_unchanged() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    auto session = TuningSession::prepare(*options);
    QVERIFY(session.ok());
    HeadConfig unpinned;
    unpinned.sparse = false;
    SparseConfig pins = SparseConfig::uniform((*session)->identity(), unpinned);
    HeadConfig& pinned = pins.layers[5][2];
    pinned = HeadConfig{0.25, 0.75, 12.0, true, true, std::nullopt, std::nullopt, std::nullopt};
    engine::RunResult run = (*session)->run(nullptr, {}, engine::pins_from_config(pins));
    QCOMPARE(run.status, engine::RunStatus::Succeeded);
    auto config = (*session)->config_from(run);
    QVERIFY(config.ok());
    const HeadConfig& head = config->layers[5][2];
    QVERIFY(head.pinned);
    QVERIFY(head.sparse);
    QCOMPARE(head.theta, 0.25);
    QCOMPARE(head.tau, 0.75);
    QCOMPARE(head.lambda, 12.0);
    for (const auto& record : run.evaluations)
      QVERIFY(!(record.layer == 5 && record.head == 2));
  }

  void names_the_text_at_fault() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    QTemporaryDir dir;
    options->text = dir.filePath("missing.txt").toStdString();
    auto missing = TuningSession::prepare(*options);
    QVERIFY(!missing.ok());
    QVERIFY(message(missing.error()).contains("missing.txt"));

    const std::string short_text = dir.filePath("short.txt").toStdString();
    std::ofstream(short_text) << "In the beginning God created the heaven and the earth.";
    options->text = short_text;
    auto too_short = TuningSession::prepare(*options);
    QVERIFY(!too_short.ok());
    QVERIFY(message(too_short.error()).contains("too few"));
    QVERIFY(message(too_short.error()).contains("short.txt"));
  }
};

QTEST_APPLESS_MAIN(TestTuningSession)
#include "tst_tuning_session.moc"
