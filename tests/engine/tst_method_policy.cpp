// The engine as a scheduler over method policies: a method defined here, in the test, runs
// through TuningEngine with no change to the engine — its passes and head tasks are scheduled
// and batched, its evaluations counted and journalled, a killed run resumes to the same
// result, pins are honoured whatever the policy asks, and its end-to-end stage measures
// perplexity through the engine. Also: the built-in methods' policies by name.
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>

#include "core/engine/method_policies.h"
#include "core/engine/method_policy.h"
#include "tests/engine/resume_checks.h"
#include "tests/engine/synthetic_layer_evaluator.h"

using namespace afbs::engine;
using afbs::kPvSkipOff;
using afbs::Result;
using afbs::Status;
using afbs::engine::testing::compare_heads;
using afbs::engine::testing::read_lines;
using afbs::engine::testing::SyntheticLayerEvaluator;
using afbs::engine::testing::write_first_lines;

namespace {

// A toy method: each head tries τ 0.9 then τ 0.5 (θ 0, PV-skip off) at n_F on the tune
// windows, keeps the smaller τ that meets ε1 (pass 0), and looks at it once on the
// validation windows (pass 1). Its end-to-end stage measures the tuned config once.
struct ToyHead {
  double tau = 1.0;  // 1: nothing met ε1
  HeadResult result;
};

HeadTask toy_search(ToyHead& head, SearchContext context) {
  for (double tau : {0.9, 0.5}) {
    Probe probe;
    probe.stage = Stage::Random;
    probe.setting = HeadSetting{0.0, tau, kPvSkipOff};
    probe.length_tokens = context.top_length();
    probe.windows = context.tune_windows;
    probe.target_error = context.target_error;
    const ProbeOutcome outcome = co_await probe;
    if (outcome.meets(context.target_error)) head.tau = tau;
  }
}

HeadTask toy_validation(ToyHead& head, int index, SearchContext context) {
  if (head.tau >= 1.0) {
    head.result = dense_result(index, 0.0, "toy: nothing met ε1");
    co_return;
  }
  Probe probe;
  probe.stage = Stage::Validation;
  probe.setting = HeadSetting{0.0, head.tau, kPvSkipOff};
  probe.length_tokens = context.top_length();
  probe.windows = context.validation_windows;
  probe.target_error = context.pv_target_error;
  const ProbeOutcome outcome = co_await probe;
  head.result = sparse_result(index, probe.setting, outcome.sparsity, outcome.error,
                              outcome.skip_rate, outcome.meets(context.pv_target_error));
}

class ToyPolicy : public MethodPolicy {
 public:
  std::string name() const override { return "toy"; }
  Status start_run(RunHost& host) override {
    layers_.assign(host.layer_count(), {});
    return {};
  }
  int passes() const override { return 2; }
  std::vector<HeadTask> head_tasks(RunHost& host, int layer_index, int pass) override {
    std::vector<ToyHead>& heads = layers_[layer_index];
    if (pass == 0) heads.assign(host.heads(), {});
    std::vector<HeadTask> tasks(host.heads());
    // Every head, pinned or not, and wrong-sized when asked: the engine must cope.
    for (int head = 0; head < host.heads(); ++head) {
      tasks[head] = pass == 0 ? toy_search(heads[head], host.context(layer_index))
                              : toy_validation(heads[head], head, host.context(layer_index));
    }
    if (extra_task) tasks.emplace_back();
    return tasks;
  }
  void pass_finished(RunHost&, int, int pass) override { ++passes_finished[pass]; }
  HeadResult head_result(int layer_index, int head) const override {
    return layers_[layer_index][head].result;
  }
  Status finish_run(RunHost& host) override {
    if (!host.can_measure_perplexity()) return {};
    Result<double> tuned = host.measure_perplexity(1.0, host.result().layers);
    if (!tuned) return tuned.error();
    host.result().perplexity_tuned = *tuned;
    return {};
  }

  bool extra_task = false;
  int passes_finished[2] = {};

 private:
  std::vector<std::vector<ToyHead>> layers_;
};

RunResult run_toy(SyntheticLayerEvaluator& evaluator, const EngineOptions& options) {
  TuningEngine engine(evaluator, options, std::make_unique<ToyPolicy>());
  return engine.run();
}

}  // namespace

class TestMethodPolicy : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Two probes on two tune windows per head, then one look on two validation windows for each
  // head that found a τ; all heads share each call.
  void aToyPolicyRunsThroughTheEngine() {
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    auto owned = std::make_unique<ToyPolicy>();
    const ToyPolicy* policy = owned.get();  // the engine owns it; it lives as long as the engine
    TuningEngine engine(evaluator, EngineOptions{}, std::move(owned));
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    std::int64_t expected = 0;
    for (const LayerResult& layer : run.layers) {
      for (const HeadResult& head : layer.heads)
        expected += 2 * 2 + (head.sparse ? 2 : 0);
    }
    QCOMPARE(run.counts.evaluations, expected);
    QCOMPARE(run.layers.size(), std::size_t{2});
    QCOMPARE(policy->passes_finished[0], 2);
    QCOMPARE(policy->passes_finished[1], 2);
    int sparse = 0;
    for (const LayerResult& layer : run.layers) {
      std::int64_t of_layer = 0;
      for (const EvaluationRecord& r : run.evaluations)
        of_layer += r.layer == layer.layer ? 1 : 0;
      QCOMPARE(layer.counts.evaluations, of_layer);
      for (const HeadResult& head : layer.heads) {
        QVERIFY(!head.sparse || head.setting.tau == 0.9 || head.setting.tau == 0.5);
        sparse += head.sparse ? 1 : 0;
      }
    }
    QVERIFY(sparse > 0);
    // Batched: the first call scores every head at τ 0.9 on the first tune window.
    const afbs::engine::EvaluationRequest& first = evaluator.requests.front();
    QCOMPARE(first.length_tokens, 256);
    for (int head = 0; head < 4; ++head) {
      QVERIFY(first.active[head]);
      QCOMPARE(first.settings[head].tau, 0.9);
    }
    QVERIFY(!run.perplexity_tuned.has_value());  // no measure given: the stage skips itself
  }

  // The toy policy asks for every head; the engine never lets it evaluate a pinned one.
  void pinsAreHonouredWhateverThePolicyAsks() {
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    const HeadPin pin{HeadSetting{0.25, 0.5, 12.0}, true};
    auto policy = std::make_unique<ToyPolicy>();
    TuningEngine engine(evaluator, EngineOptions{}, std::move(policy));
    engine.set_pin_source([&](int) { return PinSnapshot{{2, pin}}; });
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    for (const EvaluationRecord& r : run.evaluations)
      QVERIFY2(r.head != 2, "a pinned head was evaluated");
    for (const afbs::engine::EvaluationRequest& request : evaluator.requests) {
      QVERIFY(!request.active[2]);
      QCOMPARE(request.settings[2].tau, 0.5);
    }
    for (const LayerResult& layer : run.layers) {
      QVERIFY(layer.heads[2].pinned);
      QCOMPARE(layer.heads[2].setting.lambda, 12.0);
    }
  }

  // The policy's name goes into the journal; a run killed halfway resumes to the same result.
  void aToyRunIsJournalledAndResumes() {
    QTemporaryDir dir;
    EngineOptions options;
    options.journal_path = dir.filePath("toy.jsonl").toStdString();
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    const RunResult full = run_toy(evaluator, options);
    QCOMPARE(full.status, RunStatus::Succeeded);
    const std::vector<std::string> lines = read_lines(options.journal_path);
    QCOMPARE(lines.size(), full.evaluations.size() + 1);
    QCOMPARE(nlohmann::json::parse(lines[0]).value("method", ""), std::string("toy"));

    write_first_lines(options.journal_path, lines, lines.size() / 2);
    options.resume = true;
    SyntheticLayerEvaluator again(2, afbs::engine::testing::ordinary_heads());
    const RunResult resumed = run_toy(again, options);
    QCOMPARE(resumed.status, RunStatus::Succeeded);
    QVERIFY(resumed.counts.replayed > 0);
    QCOMPARE(resumed.counts.evaluations, full.counts.evaluations);
    QVERIFY(again.requests.size() < evaluator.requests.size());
    compare_heads(resumed, full);

    // Another method's journal is refused: the header names the policy.
    EngineOptions afbs = options;
    TuningEngine other(again, afbs);
    const RunResult refused = other.run();
    QCOMPARE(refused.status, RunStatus::Failed);
    QVERIFY2(refused.message.find("another run") != std::string::npos, refused.message.c_str());
  }

  // The end-to-end stage runs after every layer, through the engine's journalled measure.
  void theEndStageMeasuresThroughTheEngine() {
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    auto policy = std::make_unique<ToyPolicy>();
    TuningEngine engine(evaluator, EngineOptions{}, std::move(policy));
    int calls = 0;
    std::size_t layers_seen = 0;
    engine.set_perplexity_measure([&](const std::vector<LayerResult>& layers) {
      ++calls;
      layers_seen = layers.size();
      return afbs::Result<double>(12.5);
    });
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    QCOMPARE(calls, 1);
    QCOMPARE(layers_seen, std::size_t{1});
    QCOMPARE(run.perplexity_tuned.value(), 12.5);
    QCOMPARE(run.perplexity_measurements, 1);
  }

  void aPolicyWithTheWrongTaskCountFails() {
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    auto policy = std::make_unique<ToyPolicy>();
    policy->extra_task = true;
    TuningEngine engine(evaluator, EngineOptions{}, std::move(policy));
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Failed);
    QVERIFY2(run.message.find("toy gave 5 head tasks for 4 heads") != std::string::npos,
             run.message.c_str());
    QVERIFY(evaluator.requests.empty());
  }

  void builtInMethodsHaveTheirPolicies_data() {
    QTest::addColumn<int>("method");
    QTest::addColumn<bool>("budget");
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("passes");
    QTest::newRow("afbs-bo") << static_cast<int>(TuningMethod::AfbsBo) << false << "afbs-bo" << 3;
    QTest::newRow("budget") << static_cast<int>(TuningMethod::AfbsBo) << true << "afbs-bo" << 3;
    QTest::newRow("grid") << static_cast<int>(TuningMethod::Grid) << false << "grid" << 2;
    QTest::newRow("random") << static_cast<int>(TuningMethod::Random) << false << "random" << 2;
    QTest::newRow("static") << static_cast<int>(TuningMethod::Static) << false << "static" << 2;
    QTest::newRow("budget with grid") << static_cast<int>(TuningMethod::Grid) << true << "" << 0;
  }
  void builtInMethodsHaveTheirPolicies() {
    QFETCH(int, method);
    QFETCH(bool, budget);
    QFETCH(QString, name);
    QFETCH(int, passes);
    EngineOptions options;
    options.method = static_cast<TuningMethod>(method);
    options.budget.enabled = budget;
    auto policy = make_method_policy(options);
    if (name.isEmpty()) {
      QVERIFY(!policy);
      QVERIFY2(policy.error().message.find("afbs-bo only") != std::string::npos,
               policy.error().message.c_str());
      return;
    }
    QVERIFY(policy.ok());
    QCOMPARE(QString::fromStdString((*policy)->name()), name);
    QCOMPARE((*policy)->passes(), passes);
  }
};

QTEST_APPLESS_MAIN(TestMethodPolicy)
#include "tst_method_policy.moc"
