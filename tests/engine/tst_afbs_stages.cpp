// Stages 2 and 3 of AFBS-BO on synthetic heads whose answers are known in closed form, and
// the dense fallbacks of a whole AFBS-BO run.
#include <QtTest>
#include <cmath>

#include "core/engine/afbs_stages.h"
#include "core/engine/layer_scheduler.h"
#include "core/engine/tuning_engine.h"
#include "tests/engine/synthetic_layer_evaluator.h"

using namespace afbs::engine;
using afbs::engine::testing::SyntheticHead;
using afbs::engine::testing::SyntheticLayerEvaluator;

namespace {

SearchContext context_for(const SyntheticLayerEvaluator& evaluator) {
  SearchContext context;
  context.layer = 0;
  context.ladder = evaluator.fidelity_lengths();
  context.tune_windows = evaluator.tune_windows();
  context.validation_windows = evaluator.validation_windows();
  return context;
}

// Runs one stage coroutine for every head of layer 0.
template <class Stage>
void run_stage(SyntheticLayerEvaluator& evaluator, std::vector<AfbsHeadState>& states, Stage stage,
               EvaluationLedger& ledger) {
  const SearchContext context = context_for(evaluator);
  std::vector<HeadTask> tasks;
  for (AfbsHeadState& state : states)
    tasks.push_back(stage(state, context, AfbsOptions{}));
  LayerScheduler scheduler(ledger, 0, std::vector<HeadSetting>(states.size()));
  const afbs::Status status = scheduler.run(tasks);
  QVERIFY2(status.ok(), status.ok() ? "" : status.error().message.c_str());
}

}  // namespace

class TestAfbsStages : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void tauSearchFindsSmallestFeasibleTau_data() {
    QTest::addColumn<double>("theta");
    QTest::addColumn<double>("tauLow");
    QTest::addColumn<double>("tauHigh");
    QTest::newRow("whole range, θ -0.5") << -0.5 << 0.0 << 1.0;
    QTest::newRow("whole range, θ 0.3") << 0.3 << 0.0 << 1.0;
    QTest::newRow("tight bracket from stage 1") << 0.3 << 0.6 << 0.95;
    // The low end is feasible at n_1 but the high end must be re-opened at n_F.
    QTest::newRow("bracket too low for n_F") << 0.8 << 0.0 << 0.5;
  }
  void tauSearchFindsSmallestFeasibleTau() {
    QFETCH(double, theta);
    QFETCH(double, tauLow);
    QFETCH(double, tauHigh);
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    EvaluationLedger ledger(evaluator, 256, nullptr, {});
    std::vector<AfbsHeadState> states(evaluator.heads());
    for (int h = 0; h < evaluator.heads(); ++h) {
      states[h].head = h;
      states[h].theta_hat = theta;
      states[h].tau_low = tauLow;
      states[h].tau_high = tauHigh;
    }
    run_stage(evaluator, states, search_tau, ledger);

    const double tolerance = AfbsOptions{}.tau_tolerance;
    for (int h = 0; h < evaluator.heads(); ++h) {
      const double expected = evaluator.head_for(0, h).smallest_tau(
          theta, 0.05, evaluator.fidelity(256), evaluator.worst_tune_factor());
      QVERIFY(states[h].tau_feasible);
      QVERIFY2(states[h].tau_star >= expected - 1e-12, "τ* must meet the target at n_F");
      QVERIFY2(
          states[h].tau_star <= expected + tolerance,
          qPrintable(
              QString("head %1: τ* %2, expected %3").arg(h).arg(states[h].tau_star).arg(expected)));
    }
    // The fidelity climbs: lengths never fall, the first at n_1 and the last at n_F.
    const std::vector<EvaluationRecord>& records = ledger.records();
    QVERIFY(!records.empty());
    QCOMPARE(records.front().length_tokens, 64);
    QCOMPARE(records.back().length_tokens, 256);
    for (std::size_t i = 1; i < records.size(); ++i) {
      QVERIFY(records[i].length_tokens >= records[i - 1].length_tokens);
    }
  }

  void tauSearchReportsInfeasibleHead() {
    SyntheticHead hopeless;
    hopeless.floor = 0.08;  // over ε1 = 0.05 whatever τ
    SyntheticLayerEvaluator evaluator(1, {hopeless});
    EvaluationLedger ledger(evaluator, 256, nullptr, {});
    std::vector<AfbsHeadState> states(1);
    states[0].theta_hat = 0.0;
    states[0].tau_low = 0.2;
    states[0].tau_high = 0.6;
    run_stage(evaluator, states, search_tau, ledger);
    QVERIFY(!states[0].tau_feasible);
    QVERIFY(QString::fromStdString(states[0].tau_note).contains("error target"));
    // No more than one bisection over the whole range plus both re-checks on every rung.
    const int rungs = static_cast<int>(evaluator.fidelity_lengths().size());
    const int probes =
        static_cast<int>(std::ceil(std::log2(1.0 / AfbsOptions{}.tau_tolerance))) + 2 * rungs;
    const auto windows = static_cast<int64_t>(evaluator.tune_windows().size());
    QVERIFY(ledger.counts().evaluations <= windows * probes);
    // τ = 1 keeps every block: it is never sent to the evaluator.
    for (const EvaluationRecord& r : ledger.records())
      QVERIFY(r.tau < 1.0);
  }

  void pvSearchFindsSmallestLambda() {
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    EvaluationLedger ledger(evaluator, 256, nullptr, {});
    std::vector<AfbsHeadState> states(evaluator.heads());
    const double theta = 0.2;
    for (int h = 0; h < evaluator.heads(); ++h) {
      const SyntheticHead head = evaluator.head_for(0, h);
      states[h].head = h;
      states[h].theta_hat = theta;
      states[h].tau_feasible = true;
      states[h].tau_star = head.smallest_tau(theta, 0.05, 1.0, evaluator.worst_tune_factor());
      states[h].tau_sparsity = head.sparsity(theta, states[h].tau_star);
    }
    run_stage(evaluator, states, tune_pv_and_validate, ledger);

    for (int h = 0; h < evaluator.heads(); ++h) {
      const SyntheticHead head = evaluator.head_for(0, h);
      const HeadSetting at_lambda_off{theta, states[h].tau_star, 50.0};
      const double base = head.error(at_lambda_off, 1.0, evaluator.worst_tune_factor());
      const double expected = 50.0 * (1.0 - (0.06 - base) / head.m);  // error = ε2 exactly
      const HeadResult& result = states[h].result;
      QVERIFY2(result.sparse, result.note.c_str());
      QVERIFY(result.meets_target);
      QVERIFY(result.setting.lambda >= expected - 1e-9);
      QVERIFY(result.setting.lambda <= expected + AfbsOptions{}.lambda_tolerance);
      QCOMPARE(result.setting.tau, states[h].tau_star);
      QVERIFY(result.error <= 0.06);
    }
  }

  void validationMissBacksOffTowardDense_data() {
    QTest::addColumn<double>("hardWindow");
    QTest::addColumn<bool>("tauMoves");
    // ε1 0.05 × 1.15 < ε2 0.06: turning PV-skip off is enough, and costs no sparsity.
    QTest::newRow("PV-skip off suffices") << 1.15 << false;
    // ε1 0.05 × 1.3 > ε2 0.06: τ must step toward dense too.
    QTest::newRow("tau must move") << 1.3 << true;
  }
  void validationMissBacksOffTowardDense() {
    QFETCH(double, hardWindow);
    QFETCH(bool, tauMoves);
    SyntheticLayerEvaluator evaluator(1, {SyntheticHead{}});
    evaluator.window_factors = {1.0, 1.0, 1.0, hardWindow};  // one validation window is harder
    EvaluationLedger ledger(evaluator, 256, nullptr, {});
    std::vector<AfbsHeadState> states(1);
    const SyntheticHead head = evaluator.head_for(0, 0);
    states[0].theta_hat = 0.0;
    states[0].tau_feasible = true;
    states[0].tau_star = head.smallest_tau(0.0, 0.05, 1.0, 1.0);
    states[0].tau_sparsity = head.sparsity(0.0, states[0].tau_star);
    run_stage(evaluator, states, tune_pv_and_validate, ledger);

    const HeadResult& result = states[0].result;
    QVERIFY2(result.sparse, result.note.c_str());
    QVERIFY(result.meets_target);
    QCOMPARE(result.setting.lambda, 50.0);  // the first back-off turned PV-skip off
    QCOMPARE(result.setting.tau > states[0].tau_star, tauMoves);
    std::vector<EvaluationRecord> validations;
    for (const EvaluationRecord& r : ledger.records())
      if (r.stage == Stage::Validation) validations.push_back(r);
    QVERIFY(validations.size() >= 4);  // more than one pass over the two validation windows
    QVERIFY(validations.front().lambda < 50.0);
    QCOMPARE(validations[2].tau, states[0].tau_star);  // τ kept while λ backs off
    QCOMPARE(validations[2].lambda, 50.0);
  }

  void headsThatCannotStaySparseGoDense_data() {
    QTest::addColumn<double>("floor");
    QTest::addColumn<double>("scale");
    QTest::addColumn<QString>("why");
    QTest::newRow("error floor over target") << 0.08 << 1.0 << "error target";
    QTest::newRow("sparsity under 0.1") << 0.0 << 0.2 << "under";
  }
  void headsThatCannotStaySparseGoDense() {
    QFETCH(double, floor);
    QFETCH(double, scale);
    QFETCH(QString, why);
    SyntheticHead odd;
    odd.floor = floor;
    odd.scale = scale;
    SyntheticLayerEvaluator evaluator(1, {SyntheticHead{}, odd});
    EngineOptions options;
    options.afbs.exploration_budget = 10;
    TuningEngine engine(evaluator, options);
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    QCOMPARE(run.layers.size(), std::size_t{1});
    QVERIFY(run.layers[0].heads[0].sparse);
    const HeadResult& dense = run.layers[0].heads[1];
    QVERIFY(!dense.sparse);
    QCOMPARE(dense.setting.tau, 1.0);
    QVERIFY(dense.setting.rule == afbs::SelectionRule::dense);
    QCOMPARE(dense.setting.lambda, 50.0);
    QVERIFY2(QString::fromStdString(dense.note).contains(why), dense.note.c_str());
  }

  // A head no τ can make sparse at n_F within ε1 (an error floor over it) is found hopeless
  // right after stage 1's initial design: one probe at n_F, then dense, and no stage 2 at all.
  // Its pinned twin is never evaluated and keeps its pin.
  void hopelessHeadStopsAfterTheInitialDesign() {
    SyntheticHead hopeless;
    hopeless.floor = 0.08;  // over ε1 = 0.05 whatever τ
    auto run_with = [&](bool exit, TuningMethod method) {
      SyntheticLayerEvaluator evaluator(1, {hopeless, hopeless});
      EngineOptions options;
      options.method = method;
      options.afbs.hopeless_head_exit = exit;
      TuningEngine engine(evaluator, options);
      engine.set_pin_source([](int) {
        return PinSnapshot{{1, HeadPin{HeadSetting{0.25, 0.5, 50.0}, true}}};
      });
      return engine.run();
    };
    const RunResult with_exit = run_with(true, TuningMethod::AfbsBo);
    const RunResult without_exit = run_with(false, TuningMethod::AfbsBo);
    const RunResult grid = run_with(true, TuningMethod::Grid);
    QCOMPARE(with_exit.status, RunStatus::Succeeded);
    QCOMPARE(without_exit.status, RunStatus::Succeeded);
    QCOMPARE(grid.status, RunStatus::Succeeded);

    const HeadResult& head = with_exit.layers[0].heads[0];
    QVERIFY(!head.sparse);
    QCOMPARE(head.setting.tau, 1.0);
    QCOMPARE(head.setting.lambda, 50.0);
    QVERIFY2(QString::fromStdString(head.note).startsWith("hopeless"), head.note.c_str());
    QVERIFY(!without_exit.layers[0].heads[0].sparse);  // the same verdict, reached later
    const HeadResult& pinned = with_exit.layers[0].heads[1];
    QVERIFY(pinned.pinned && pinned.sparse);
    QCOMPARE(pinned.setting.tau, 0.5);

    // The initial design (6 Sobol points and SpargeAttn's default; layer 0 has no warm start)
    // at n_1 on one window, then the probe at n_F (θ -1, τ 0.998) on both tune windows.
    const AfbsOptions defaults;
    QCOMPARE(with_exit.counts.evaluations, std::int64_t{defaults.initial_design_points + 1 + 2});
    int at_top = 0;
    for (const EvaluationRecord& r : with_exit.evaluations) {
      QCOMPARE(r.head, 0);  // never the pinned head
      if (r.length_tokens == 256) {
        ++at_top;
        QCOMPARE(r.stage, Stage::TauSearch);
        QCOMPARE(r.theta, -1.0);
        QCOMPARE(r.tau, 1.0 - defaults.tau_tolerance);
      } else {
        QCOMPARE(r.stage, Stage::Exploration);
        QCOMPARE(r.length_tokens, 64);
      }
    }
    QCOMPARE(at_top, 2);
    // Fewer than the full search spends, and no more than grid spends on the same head.
    qInfo("hopeless head: %lld evaluations with the exit, %lld without, grid %lld",
          static_cast<long long>(with_exit.counts.evaluations),
          static_cast<long long>(without_exit.counts.evaluations),
          static_cast<long long>(grid.counts.evaluations));
    QVERIFY2(with_exit.counts.evaluations < without_exit.counts.evaluations,
             qPrintable(QString("%1 with the exit, %2 without")
                            .arg(with_exit.counts.evaluations)
                            .arg(without_exit.counts.evaluations)));
    QVERIFY2(with_exit.counts.evaluations <= grid.counts.evaluations,
             qPrintable(QString("%1 against grid's %2")
                            .arg(with_exit.counts.evaluations)
                            .arg(grid.counts.evaluations)));
  }

  // Heads that are only hard at n_1 (the rung shows nothing but "dense" or "far off", as on
  // the demo model) pass the hopeless check at n_F and end exactly as without it: the same
  // settings and sparsity, for two evaluations more per head (the check's probe).
  void hardAtTheLowestRungIsNotHopeless() {
    auto run_with = [](bool exit) {
      SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
      evaluator.coarse_lowest_rung = true;
      EngineOptions options;
      options.afbs.hopeless_head_exit = exit;
      TuningEngine engine(evaluator, options);
      return engine.run();
    };
    const RunResult with_exit = run_with(true);
    const RunResult without_exit = run_with(false);
    QCOMPARE(with_exit.status, RunStatus::Succeeded);
    QCOMPARE(without_exit.status, RunStatus::Succeeded);
    const std::vector<HeadResult>& heads = with_exit.layers[0].heads;
    for (std::size_t h = 0; h < heads.size(); ++h) {
      const HeadResult& other = without_exit.layers[0].heads[h];
      QVERIFY2(heads[h].sparse && heads[h].meets_target, heads[h].note.c_str());
      QCOMPARE(heads[h].setting.theta, other.setting.theta);
      QCOMPARE(heads[h].setting.tau, other.setting.tau);
      QCOMPARE(heads[h].setting.lambda, other.setting.lambda);
      QCOMPARE(heads[h].sparsity, other.sparsity);
    }
    const auto probes = static_cast<std::int64_t>(2 * heads.size());  // two tune windows each
    QCOMPARE(with_exit.counts.evaluations, without_exit.counts.evaluations + probes);
  }

  void fullRunComesCloseToTheOptimum_data() {
    QTest::addColumn<bool>("coarseLowestRung");
    QTest::newRow("informative lowest rung") << false;
    QTest::newRow("lowest rung only dense or far off") << true;
  }
  void fullRunComesCloseToTheOptimum() {
    QFETCH(bool, coarseLowestRung);
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    evaluator.coarse_lowest_rung = coarseLowestRung;
    TuningEngine engine(evaluator, EngineOptions{});
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    for (const LayerResult& layer : run.layers) {
      for (const HeadResult& result : layer.heads) {
        // The best sparsity any θ allows at ε1 on the worst tune window, by a fine sweep.
        const SyntheticHead head = evaluator.head_for(layer.layer, result.head);
        double optimum = 0.0;
        const double lowest_theta = coarseLowestRung ? SyntheticLayerEvaluator::kLowestCoherence
                                                     : -1.0;  // below: the same as at it
        const double highest_theta =
            coarseLowestRung ? SyntheticLayerEvaluator::kCoherence : 1.0;  // above: dense
        for (double theta = lowest_theta; theta <= highest_theta; theta += 0.001) {
          const double tau = head.smallest_tau(theta, 0.05, 1.0, evaluator.worst_tune_factor());
          optimum = std::max(optimum, head.sparsity(theta, tau));
        }
        QVERIFY2(result.sparse && result.meets_target, result.note.c_str());
        // A lowest rung that only tells "dense" gives stage 1 nothing to go on in θ: it must
        // still land on a θ that leaves τ room (θ̂ -1; the default 0.6 is dense here), and
        // stage 2 finds most of the sparsity there (this head's error favours θ near 0.2).
        const double share = coarseLowestRung ? 0.5 : 0.97;
        QVERIFY2(result.sparsity >= share * optimum,
                 qPrintable(QString("layer %1 head %2: %3 vs optimum %4")
                                .arg(layer.layer)
                                .arg(result.head)
                                .arg(result.sparsity)
                                .arg(optimum)));
      }
    }
  }
};

QTEST_APPLESS_MAIN(TestAfbsStages)
#include "tst_afbs_stages.moc"
