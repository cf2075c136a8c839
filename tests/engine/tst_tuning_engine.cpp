// The engine as a whole: pins, the grid baseline's procedure and count, AFBS-BO against the
// grid, run status, observer, CSV export and the end-to-end guard.
#include <QTemporaryDir>
#include <QtTest>
#include <atomic>
#include <fstream>
#include <sstream>

#include "core/engine/evaluation_csv.h"
#include "core/engine/tuning_engine.h"
#include "tests/engine/synthetic_layer_evaluator.h"

using namespace afbs::engine;
using afbs::engine::testing::SyntheticHead;
using afbs::engine::testing::SyntheticLayerEvaluator;

Q_DECLARE_METATYPE(afbs::engine::TuningMethod)

namespace {

class CountingObserver : public TuningObserver {
 public:
  void on_evaluation(const EvaluationRecord&) override { ++evaluations; }
  void on_layer_finished(const LayerResult&) override { ++layers; }
  void on_progress(const Progress& progress) override {
    last = progress;
    ++progress_reports;
  }
  void on_log(const std::string&) override { ++log_lines; }
  int evaluations = 0;
  int layers = 0;
  int progress_reports = 0;
  int log_lines = 0;
  Progress last;
};

double mean_sparsity(const RunResult& run) {
  double sum = 0.0;
  int heads = 0;
  for (const LayerResult& layer : run.layers) {
    for (const HeadResult& head : layer.heads) {
      sum += head.sparsity;
      ++heads;
    }
  }
  return heads > 0 ? sum / heads : 0.0;
}

// A head that always meets the target, with a sparsity scale.
SyntheticHead exact_head(double scale) {
  SyntheticHead head;
  head.k = 0.0;
  head.m = 0.0;
  head.scale = scale;
  return head;
}

}  // namespace

class TestTuningEngine : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void pinsAreNeverChanged_data() {
    QTest::addColumn<TuningMethod>("method");
    QTest::newRow("afbs-bo") << TuningMethod::AfbsBo;
    QTest::newRow("grid") << TuningMethod::Grid;
    QTest::newRow("random") << TuningMethod::Random;
    QTest::newRow("static") << TuningMethod::Static;
  }
  void pinsAreNeverChanged() {
    QFETCH(TuningMethod, method);
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    evaluator.tune_ = {0};
    evaluator.validation_ = {2};
    EngineOptions options;
    options.method = method;
    options.grid.theta_count = 4;  // a short grid keeps the test fast; the procedure is the same
    TuningEngine engine(evaluator, options);
    const HeadPin sparse_pin{HeadSetting{0.25, 0.5, 12.0}, true};
    const HeadPin dense_pin{HeadSetting{-0.5, 0.9, 40.0}, false};
    engine.set_pin_source([&](int layer) {
      return layer == 0 ? PinSnapshot{{1, sparse_pin}}
                        : PinSnapshot{{1, sparse_pin}, {3, dense_pin}};
    });
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);

    for (const EvaluationRecord& r : run.evaluations) {
      QVERIFY2(r.head != 1 && !(r.layer == 1 && r.head == 3), "a pinned head was evaluated");
    }
    for (const afbs::engine::EvaluationRequest& request : evaluator.requests) {
      QVERIFY(!request.active[1]);
      QCOMPARE(request.settings[1].tau, 0.5);
      QCOMPARE(request.settings[1].lambda, 12.0);
      if (request.layer == 1) {
        QVERIFY(!request.active[3]);
        QVERIFY(request.settings[3].rule == afbs::SelectionRule::dense);  // a dense pin runs dense
      }
    }
    const HeadResult& pinned = run.layers[0].heads[1];
    QVERIFY(pinned.pinned && pinned.sparse);
    QCOMPARE(pinned.setting.theta, 0.25);
    QCOMPARE(pinned.setting.tau, 0.5);
    QCOMPARE(pinned.setting.lambda, 12.0);
    const HeadResult& dense = run.layers[1].heads[3];
    QVERIFY(dense.pinned && !dense.sparse);
    QCOMPARE(dense.setting.theta, -0.5);
    QCOMPARE(dense.setting.tau, 0.9);
    QVERIFY(!run.layers[1].heads[0].pinned);
  }

  // Always feasible: τ from 0.1 halves 7 times to 0.1/128 <= 0.001 (8 evaluations), λ from 20
  // halves 8 times to 20/256 <= 0.1 (9), for each of 32 θ on each of 2 tune windows, plus
  // one evaluation per validation window. With the smaller scale sparsity drops under 0.1 at
  // θ = 0 (the 17th value), which gets its τ search only and ends the sweep: 16·17 + 8.
  void gridReplicatesTheProcedure_data() {
    QTest::addColumn<double>("scale");
    QTest::addColumn<int>("perWindow");
    QTest::newRow("full sweep") << 1.0 << 32 * 17;
    QTest::newRow("early stop at θ = 0") << 0.125 << 16 * 17 + 8;
  }
  void gridReplicatesTheProcedure() {
    QFETCH(double, scale);
    QFETCH(int, perWindow);
    SyntheticLayerEvaluator evaluator(1, {exact_head(scale), exact_head(scale)});
    EngineOptions options;
    options.method = TuningMethod::Grid;
    TuningEngine engine(evaluator, options);
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    const int per_head = 2 * perWindow + 2;
    QCOMPARE(run.counts.evaluations, std::int64_t{2 * per_head});
    QCOMPARE(run.counts.weighted_evaluations, 2.0 * per_head);  // all at n_F
    // Two heads share every call: one request per head-evaluation pair.
    QCOMPARE(static_cast<int>(evaluator.requests.size()), per_head);
    for (const EvaluationRecord& r : run.evaluations)
      QCOMPARE(r.length_tokens, 256);

    // The first bucket (θ -1, -15/16) has the highest sparsity; -1 is its better θ.
    const HeadResult& head = run.layers[0].heads[0];
    QVERIFY(head.sparse);
    QCOMPARE(head.setting.theta, -1.0);
    QCOMPARE(head.setting.tau, 0.1 / 128);
    QCOMPARE(head.setting.lambda, 20.0 / 256);
  }

  // docs/optimiser-overlap.md, step A: heads resumed on several threads make the same calls
  // in the same order, score the same and finish the same as heads resumed in turn.
  void optimiserThreadsChangeNothing_data() {
    QTest::addColumn<int>("method");
    QTest::newRow("afbs-bo") << int(TuningMethod::AfbsBo);
    QTest::newRow("grid") << int(TuningMethod::Grid);
    QTest::newRow("random") << int(TuningMethod::Random);
  }
  void optimiserThreadsChangeNothing() {
    QFETCH(int, method);
    std::vector<SyntheticHead> heads = afbs::engine::testing::ordinary_heads();
    heads.insert(heads.end(), heads.begin(), heads.end());  // 8 heads for 3 threads
    SyntheticLayerEvaluator in_turn_evaluator(2, heads), threaded_evaluator(2, heads);
    EngineOptions options;
    options.method = static_cast<TuningMethod>(method);
    options.random.samples_per_head = 6;
    TuningEngine in_turn_engine(in_turn_evaluator, options);
    const RunResult in_turn = in_turn_engine.run();
    options.optimiser_threads = 3;
    TuningEngine threaded_engine(threaded_evaluator, options);
    const RunResult threaded = threaded_engine.run();
    QCOMPARE(in_turn.status, RunStatus::Succeeded);
    QCOMPARE(threaded.status, RunStatus::Succeeded);
    QVERIFY(threaded.engine_seconds.optimiser > 0.0);

    QCOMPARE(threaded_evaluator.requests.size(), in_turn_evaluator.requests.size());
    for (std::size_t i = 0; i < in_turn_evaluator.requests.size(); ++i) {
      const EvaluationRequest &a = in_turn_evaluator.requests[i],
                              &b = threaded_evaluator.requests[i];
      QCOMPARE(b.layer, a.layer);
      QCOMPARE(b.window, a.window);
      QCOMPARE(b.length_tokens, a.length_tokens);
      QCOMPARE(b.active, a.active);
      for (std::size_t h = 0; h < a.settings.size(); ++h) {
        QCOMPARE(b.settings[h].theta, a.settings[h].theta);  // bitwise: no fuzzy compare needed
        QCOMPARE(b.settings[h].tau, a.settings[h].tau);
        QCOMPARE(b.settings[h].lambda, a.settings[h].lambda);
      }
    }
    QCOMPARE(threaded.evaluations.size(), in_turn.evaluations.size());
    for (std::size_t i = 0; i < in_turn.evaluations.size(); ++i) {
      const EvaluationRecord &a = in_turn.evaluations[i], &b = threaded.evaluations[i];
      QCOMPARE(b.call, a.call);
      QCOMPARE(b.head, a.head);
      QCOMPARE(int(b.stage), int(a.stage));
      QVERIFY(b.sparsity == a.sparsity && b.error == a.error && b.objective == a.objective);
    }
    QCOMPARE(threaded.layers.size(), in_turn.layers.size());
    for (std::size_t l = 0; l < in_turn.layers.size(); ++l) {
      for (std::size_t h = 0; h < heads.size(); ++h) {
        const HeadResult &a = in_turn.layers[l].heads[h], &b = threaded.layers[l].heads[h];
        QVERIFY(b.setting.theta == a.setting.theta && b.setting.tau == a.setting.tau &&
                b.setting.lambda == a.setting.lambda);
        QCOMPARE(b.sparse, a.sparse);
        QVERIFY(b.sparsity == a.sparsity && b.error == a.error);
        QCOMPARE(b.note, a.note);
      }
    }
  }

  void afbsNeedsFarFewerEvaluationsThanGrid() {
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    EngineOptions options;
    TuningEngine afbs_engine(evaluator, options);
    const RunResult afbs = afbs_engine.run();
    options.method = TuningMethod::Grid;
    TuningEngine grid_engine(evaluator, options);
    const RunResult grid = grid_engine.run();
    QCOMPARE(afbs.status, RunStatus::Succeeded);
    QCOMPARE(grid.status, RunStatus::Succeeded);
    qInfo("evaluations: afbs-bo %lld (weighted %.1f), grid %lld; sparsity %.4f vs %.4f",
          static_cast<long long>(afbs.counts.evaluations), afbs.counts.weighted_evaluations,
          static_cast<long long>(grid.counts.evaluations), mean_sparsity(afbs),
          mean_sparsity(grid));
    QVERIFY(grid.counts.evaluations >= 10 * afbs.counts.evaluations);
    QVERIFY(afbs.counts.weighted_evaluations < afbs.counts.evaluations);
    QVERIFY(mean_sparsity(afbs) >= mean_sparsity(grid) - 0.01);
  }

  void randomSpendsItsBudget() {
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    EngineOptions options;
    options.method = TuningMethod::Random;
    options.random.samples_per_head = 12;
    TuningEngine engine(evaluator, options);
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    // 12 samples on 2 tune windows for 4 heads, and one look at 2 validation windows for
    // each head that found a feasible sample.
    int without_pick = 0;
    for (const HeadResult& head : run.layers[0].heads) {
      without_pick += head.note.rfind("no random sample", 0) == 0 ? 1 : 0;
    }
    QCOMPARE(run.counts.evaluations, std::int64_t{4 * 12 * 2 + 2 * (4 - without_pick)});
    QVERIFY(without_pick < 4);
  }

  void staticMeasuresOneSettingOnValidationWindows_data() {
    QTest::addColumn<int>("rule");
    QTest::addColumn<bool>("sparse");
    QTest::newRow("cumulative") << static_cast<int>(afbs::SelectionRule::cumulative) << true;
    QTest::newRow("top fraction") << static_cast<int>(afbs::SelectionRule::top_fraction) << true;
    QTest::newRow("dense") << static_cast<int>(afbs::SelectionRule::dense) << false;
  }
  void staticMeasuresOneSettingOnValidationWindows() {
    QFETCH(int, rule);
    QFETCH(bool, sparse);
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    EngineOptions options;
    options.method = TuningMethod::Static;
    options.static_setting = HeadSetting{0.3, 0.92, 50.0};
    options.static_setting.rule = static_cast<afbs::SelectionRule>(rule);
    options.static_setting.rule_parameter = 0.5;
    TuningEngine engine(evaluator, options);
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    // No search: one look per head at each validation window, counted like any method's.
    QCOMPARE(run.counts.evaluations, std::int64_t{2 * 4 * 2});
    for (const EvaluationRecord& r : run.evaluations) {
      QVERIFY(r.stage == Stage::Validation);
      QVERIFY(r.window == 2 || r.window == 3);
      QCOMPARE(r.tau, 0.92);
    }
    for (const LayerResult& layer : run.layers) {
      for (const HeadResult& head : layer.heads) {
        QVERIFY(head.measured);
        QCOMPARE(head.sparse, sparse);
        QCOMPARE(static_cast<int>(head.setting.rule), rule);
        QCOMPARE(head.setting.tau, 0.92);
        // Measured as it is: no back-off, and the target judged on the validation windows.
        const SyntheticHead model = evaluator.head_for(layer.layer, head.head);
        const double worst = model.error(HeadSetting{0.3, 0.92, 50.0}, 1.0, 1.02);
        QCOMPARE(head.meets_target, worst <= 0.06);
      }
    }
  }

  void cancelEndsCancelled() {
    SyntheticLayerEvaluator evaluator(3, afbs::engine::testing::ordinary_heads());
    std::atomic<bool> cancel{false};
    evaluator.after_call = [&] {
      if (evaluator.requests.size() == 30) cancel = true;
    };
    TuningEngine engine(evaluator, EngineOptions{});
    const RunResult run = engine.run(RunControl{&cancel, nullptr});
    QCOMPARE(run.status, RunStatus::Cancelled);
    QCOMPARE(evaluator.requests.size(), std::size_t{30});  // nothing after the flag was read
    QVERIFY(run.layers.empty());
  }

  void pausedAndCancelledEvaluatesNothing() {
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    std::atomic<bool> cancel{true};
    std::atomic<bool> pause{true};
    TuningEngine engine(evaluator, EngineOptions{});
    const RunResult run = engine.run(RunControl{&cancel, &pause});
    QCOMPARE(run.status, RunStatus::Cancelled);
    QVERIFY(evaluator.requests.empty());
  }

  void evaluatorErrorEndsFailed() {
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    evaluator.fail_at_call = 5;
    TuningEngine engine(evaluator, EngineOptions{});
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Failed);
    QVERIFY2(run.message.find("synthetic failure") != std::string::npos, run.message.c_str());
    QVERIFY2(run.message.find("layer 0") != std::string::npos, run.message.c_str());
  }

  void badOptionsAreRefused_data() {
    QTest::addColumn<double>("target");
    QTest::addColumn<double>("pvTarget");
    QTest::addColumn<int>("layer");
    QTest::newRow("ε2 below ε1") << 0.05 << 0.04 << 0;
    QTest::newRow("zero target") << 0.0 << 0.06 << 0;
    QTest::newRow("layer out of range") << 0.05 << 0.06 << 7;
  }
  void badOptionsAreRefused() {
    QFETCH(double, target);
    QFETCH(double, pvTarget);
    QFETCH(int, layer);
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    EngineOptions options;
    options.target_error = target;
    options.pv_target_error = pvTarget;
    options.layers = {layer};
    TuningEngine engine(evaluator, options);
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Failed);
    QVERIFY(!run.message.empty());
    QVERIFY(evaluator.requests.empty());
  }

  void observerSeesEverything() {
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    CountingObserver observer;
    TuningEngine engine(evaluator, EngineOptions{});
    engine.set_observer(&observer);
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    QCOMPARE(observer.evaluations, static_cast<int>(run.evaluations.size()));
    QCOMPARE(static_cast<std::int64_t>(observer.evaluations), run.counts.evaluations);
    QCOMPARE(observer.layers, 2);
    QVERIFY(observer.progress_reports > 0);
    QCOMPARE(observer.last.fraction, 1.0);
    QCOMPARE(observer.last.layers_done, 2);
    QCOMPARE(observer.last.eta_seconds, 0.0);
    QVERIFY(observer.log_lines > 0);
    int stages[6] = {};
    for (const EvaluationRecord& r : run.evaluations)
      ++stages[static_cast<int>(r.stage)];
    for (Stage s : {Stage::Exploration, Stage::TauSearch, Stage::PvSearch, Stage::Validation}) {
      QVERIFY2(stages[static_cast<int>(s)] > 0, stage_name(s));
    }
  }

  void csvHoldsEveryEvaluation() {
    SyntheticLayerEvaluator evaluator(1, {SyntheticHead{}});
    EngineOptions options;
    options.afbs.exploration_budget = 8;
    TuningEngine engine(evaluator, options);
    const RunResult run = engine.run();
    QTemporaryDir dir;
    const std::string path = dir.filePath("evaluations.csv").toStdString();
    QVERIFY(write_evaluations_csv(path, run.evaluations).ok());
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    QCOMPARE(line, evaluation_csv_header());
    std::size_t rows = 0;
    while (std::getline(in, line)) {
      QCOMPARE(std::count(line.begin(), line.end(), ','), std::ptrdiff_t{14});
      ++rows;
    }
    QCOMPARE(rows, run.evaluations.size());
    QVERIFY(
        !write_evaluations_csv(dir.filePath("missing/x.csv").toStdString(), run.evaluations).ok());
  }

  void defaultLadder_data() {
    QTest::addColumn<int>("top");
    QTest::addColumn<int>("block");
    QTest::addColumn<std::vector<int>>("expected");
    QTest::newRow("2048 / 64") << 2048 << 64 << std::vector<int>{512, 1024, 2048};
    QTest::newRow("rounded to blocks") << 640 << 64 << std::vector<int>{128, 320, 640};
    QTest::newRow("two blocks") << 128 << 64 << std::vector<int>{64, 128};
    QTest::newRow("one block") << 64 << 64 << std::vector<int>{64};
  }
  void defaultLadder() {
    QFETCH(int, top);
    QFETCH(int, block);
    QFETCH(std::vector<int>, expected);
    QCOMPARE(default_fidelity_ladder(top, block), expected);
  }

  void guardTightensTargetsAndRedoesStages() {
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    TuningEngine engine(evaluator, EngineOptions{});
    int calls = 0;
    engine.set_perplexity_measure([&](const std::vector<LayerResult>& layers) {
      ++calls;
      bool any_sparse = false;
      for (const LayerResult& layer : layers) {
        for (const HeadResult& head : layer.heads)
          any_sparse |= head.sparse;
      }
      if (!any_sparse) return afbs::Result<double>(10.0);      // dense
      return afbs::Result<double>(calls == 2 ? 10.5 : 10.05);  // first tuned: 5 % rise
    });
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    QCOMPARE(calls, 3);
    QCOMPARE(run.guard_rounds, 1);
    QCOMPARE(run.target_error, 0.05 * 0.8);
    QCOMPARE(run.perplexity_dense.value(), 10.0);
    QCOMPARE(run.perplexity_tuned.value(), 10.05);
    for (const HeadResult& head : run.layers.at(0).heads) {
      QVERIFY(!head.sparse || head.error <= 0.06 * 0.8);
    }
    QCOMPARE(run.layers.size(), std::size_t{1});
    QCOMPARE(run.layers[0].counts.evaluations, run.counts.evaluations);
  }
};

QTEST_APPLESS_MAIN(TestTuningEngine)
#include "tst_tuning_engine.moc"
