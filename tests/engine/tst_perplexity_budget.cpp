// Budget mode (issue 13): the ε multiplier search, the budget spent (never exceeded), backing
// off when the uniform targets are already over, pins, the hopeless-head shortcut, and resume.
// Perplexity here is a closed-form function of the heads' errors, so every answer is known.
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "core/engine/budget_summary.h"
#include "core/engine/layer_allocation.h"
#include "core/engine/multiplier_search.h"
#include "core/engine/price_allocation.h"
#include "core/engine/tuning_engine.h"
#include "tests/engine/resume_checks.h"
#include "tests/engine/synthetic_layer_evaluator.h"

using namespace afbs::engine;
using afbs::engine::testing::compare_heads;
using afbs::engine::testing::read_lines;
using afbs::engine::testing::SyntheticHead;
using afbs::engine::testing::SyntheticLayerEvaluator;
using afbs::engine::testing::write_first_lines;

namespace {

constexpr double kDensePerplexity = 10.0;

// Perplexity rises with every sparse head's error on a validation window:
// ppl = 10 (1 + sensitivity · mean over heads of error).
struct SyntheticPerplexity {
  SyntheticPerplexity(const SyntheticLayerEvaluator* e, double s, std::vector<double> weights = {})
      : evaluator(e), sensitivity(s), layer_weights(std::move(weights)) {}

  const SyntheticLayerEvaluator* evaluator = nullptr;
  double sensitivity = 0.1;
  std::vector<double> layer_weights;  // per layer (empty: 1 each)
  int calls = 0;

  double rise(const std::vector<LayerResult>& layers) const {
    double sum = 0.0;
    int heads = 0;
    for (const LayerResult& layer : layers) {
      for (const HeadResult& head : layer.heads) {
        ++heads;
        if (!head.sparse) continue;
        const double weight = layer_weights.empty() ? 1.0 : layer_weights[layer.layer];
        sum += weight * evaluator->head_for(layer.layer, head.head).error(head.setting, 1.0, 1.0);
      }
    }
    return heads > 0 ? sensitivity * sum / heads : 0.0;
  }
  PerplexityMeasure measure() {
    return [this](const std::vector<LayerResult>& layers) {
      ++calls;
      return afbs::Result<double>(kDensePerplexity * (1.0 + rise(layers)));
    };
  }
};

EngineOptions budget_options(double budget) {
  EngineOptions options;
  options.afbs.exploration_budget = 10;
  options.afbs.perplexity_budget = budget;
  options.budget.enabled = true;
  return options;
}

// Budget mode with the sensitivity allocation over AFBS-BO settings and one top-k; no
// per-layer refinement, so what the mix adds is plain.
EngineOptions sensitivity_options(double budget) {
  EngineOptions options = budget_options(budget);
  options.budget.refine_layers = false;
  options.budget.layer_sensitivity = true;
  options.budget.sensitivity_multipliers = {1.0, 2.0, 8.0};
  options.budget.sensitivity_topk = {0.5};
  options.budget.sensitivity_window_sparsities = {};
  return options;
}

// The sensitivity cases' model: `layers` layers of ordinary heads whose perplexity rises
// with each layer's weight (by default layer 0 costs twice the base rate, layer 1 nothing),
// and one engine run on it. One model per run, so no two runs share counts or requests.
struct SensitivityModel {
  explicit SensitivityModel(int layers = 2, std::vector<double> layer_weights = {2.0, 0.0})
      : evaluator(layers, afbs::engine::testing::ordinary_heads()),
        perplexity(&evaluator, 0.08, std::move(layer_weights)) {}
  SensitivityModel(const SensitivityModel&) = delete;  // `perplexity` points at `evaluator`
  SensitivityModel& operator=(const SensitivityModel&) = delete;

  // Perplexity through `measure` when given, else through `perplexity` (which counts calls).
  RunResult run(const EngineOptions& options, PinSource pins = {}, PerplexityMeasure measure = {}) {
    TuningEngine engine(evaluator, options);
    engine.set_perplexity_measure(measure ? std::move(measure) : perplexity.measure());
    if (pins) engine.set_pin_source(std::move(pins));
    return engine.run();
  }

  SyntheticLayerEvaluator evaluator;
  SyntheticPerplexity perplexity;
};

double uniform_rise(SyntheticLayerEvaluator& evaluator, double sensitivity, RunResult* run) {
  EngineOptions options = budget_options(1.0);
  options.budget.enabled = false;
  TuningEngine engine(evaluator, options);
  SyntheticPerplexity perplexity{&evaluator, sensitivity};
  engine.set_perplexity_measure(perplexity.measure());
  *run = engine.run();
  return perplexity.rise(run->layers);
}

}  // namespace

class TestPerplexityBudget : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Within the budget exactly when m <= threshold: the search ends on the largest m within,
  // to its tolerance, inside [min, max]; or on none when even the floor is over.
  void multiplierSearchFindsTheThreshold_data() {
    QTest::addColumn<double>("threshold");
    QTest::newRow("looser") << 3.3;
    QTest::newRow("exactly a step") << 4.0;
    QTest::newRow("tighter") << 0.3;
    QTest::newRow("beyond the ceiling") << 100.0;
    QTest::newRow("below the floor") << 0.05;
  }
  void multiplierSearchFindsTheThreshold() {
    QFETCH(double, threshold);
    BudgetOptions options;
    MultiplierSearch search(options);
    int probes = 0;
    std::vector<double> tried;
    while (const std::optional<double> m = search.next()) {
      QVERIFY2(++probes < 50, "the search does not end");
      QVERIFY(*m >= options.min_multiplier && *m <= options.max_multiplier);
      tried.push_back(*m);
      search.tell(*m, *m <= threshold);
    }
    QCOMPARE(tried.front(), 1.0);
    const double within = search.largest_within();
    if (threshold >= options.max_multiplier) {
      QCOMPARE(within, options.max_multiplier);
    } else if (threshold < options.min_multiplier) {
      QCOMPARE(within, 0.0);
      QVERIFY(search.smallest_over() <= options.min_multiplier * options.growth);
    } else {
      QVERIFY(within <= threshold);
      QVERIFY(search.smallest_over() > threshold);
      QVERIFY(search.smallest_over() / within <= 1.0 + options.ratio_tolerance);
    }
  }

  // The uniform targets leave most of a 1 % budget unused: budget mode loosens ε, ends with
  // more sparsity, and the config it returns is the one it measured, within the budget.
  void budgetIsSpentNotExceeded() {
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    RunResult uniform;
    const double sensitivity = 0.08;
    const double rise_uniform = uniform_rise(evaluator, sensitivity, &uniform);
    QVERIFY2(rise_uniform < 0.005, qPrintable(QString::number(rise_uniform)));

    SyntheticPerplexity perplexity{&evaluator, sensitivity};
    TuningEngine engine(evaluator, budget_options(0.01));
    engine.set_perplexity_measure(perplexity.measure());
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    QVERIFY(run.epsilon_multiplier > 1.0);
    QCOMPARE(run.target_error, run.epsilon_multiplier * 0.05);
    const double rise = perplexity.rise(run.layers);
    QVERIFY2(rise <= 0.01, qPrintable(QString::number(rise)));
    QCOMPARE(run.perplexity_tuned.value(), kDensePerplexity * (1.0 + rise));
    QCOMPARE(run.perplexity_dense.value(), kDensePerplexity);
    QVERIFY(summarise_heads(run).mean_sparsity > summarise_heads(uniform).mean_sparsity + 0.02);
    // Every probe is reported with its own verdict; the last one is the validated result.
    QVERIFY(run.budget_probes.size() >= 3);
    QCOMPARE(run.budget_probes.front().multiplier, 1.0);
    for (const BudgetProbe& probe : run.budget_probes) {
      QCOMPARE(probe.within_budget, probe.rise <= 0.01);
    }
    QVERIFY(run.budget_probes.back().validated);
    QCOMPARE(run.perplexity_measurements, static_cast<int>(run.budget_probes.size()) + 1);
    QCOMPARE(perplexity.calls, run.perplexity_measurements);
    // Layer counts still add up to the run's.
    std::int64_t per_layer = 0;
    for (const LayerResult& layer : run.layers)
      per_layer += layer.counts.evaluations;
    QCOMPARE(per_layer, run.counts.evaluations);
    qInfo(
        "uniform: sparsity %.4f, rise %.4f, %lld evaluations; budget: m %.3f, sparsity %.4f, "
        "rise %.4f, %lld evaluations",
        summarise_heads(uniform).mean_sparsity, rise_uniform,
        static_cast<long long>(uniform.counts.evaluations), run.epsilon_multiplier,
        summarise_heads(run).mean_sparsity, rise, static_cast<long long>(run.counts.evaluations));
  }

  // A layer whose error costs little perplexity gets looser targets than one whose error
  // costs much: the per-layer refinement spends the slack the global search left (wide here:
  // the search stops as soon as it has one probe on each side) on the insensitive layer.
  void insensitiveLayerGetsLooserTargets() {
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    SyntheticPerplexity perplexity{&evaluator, 0.08, {0.1, 1.9}};
    EngineOptions options = budget_options(0.01);
    options.budget.ratio_tolerance = 1.0;
    TuningEngine engine(evaluator, options);
    engine.set_perplexity_measure(perplexity.measure());
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    QCOMPARE(run.layer_multipliers.size(), std::size_t{2});
    QVERIFY2(run.layer_multipliers[0] > run.layer_multipliers[1],
             qPrintable(
                 QString("%1 vs %2").arg(run.layer_multipliers[0]).arg(run.layer_multipliers[1])));
    QVERIFY(perplexity.rise(run.layers) <= 0.01);
    int layer_probes = 0;
    for (const BudgetProbe& probe : run.budget_probes)
      layer_probes += probe.layer >= 0 ? 1 : 0;
    QCOMPARE(layer_probes, 2);

    // Without the refinement both layers share one multiplier, and less sparsity.
    options.budget.refine_layers = false;
    SyntheticLayerEvaluator again(2, afbs::engine::testing::ordinary_heads());
    SyntheticPerplexity perplexity_again{&again, 0.08, {0.1, 1.9}};
    TuningEngine global_only(again, options);
    global_only.set_perplexity_measure(perplexity_again.measure());
    const RunResult global = global_only.run();
    QCOMPARE(global.status, RunStatus::Succeeded);
    QCOMPARE(global.layer_multipliers[0], global.layer_multipliers[1]);
    QVERIFY(summarise_heads(run).mean_sparsity > summarise_heads(global).mean_sparsity);
  }

  // The uniform targets are already over a tight budget: the multiplier goes under 1.
  void overBudgetBacksOff() {
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    RunResult uniform;
    const double sensitivity = 0.5;
    const double rise_uniform = uniform_rise(evaluator, sensitivity, &uniform);
    const double budget = rise_uniform / 3.0;
    SyntheticPerplexity perplexity{&evaluator, sensitivity};
    TuningEngine engine(evaluator, budget_options(budget));
    engine.set_perplexity_measure(perplexity.measure());
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    QVERIFY(run.epsilon_multiplier < 1.0);
    QVERIFY(!run.budget_probes.front().within_budget);
    QVERIFY(perplexity.rise(run.layers) <= budget);
    QVERIFY(summarise_heads(run).sparse_heads > 0);
  }

  // Budget 0 with every sparse head costing perplexity: nothing fits, every head goes dense
  // and the result is still the measured one.
  void nothingFitsEndsDense() {
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    SyntheticPerplexity perplexity{&evaluator, 0.5};
    TuningEngine engine(evaluator, budget_options(0.0));
    engine.set_perplexity_measure(perplexity.measure());
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    QCOMPARE(run.epsilon_multiplier, 0.0);
    QCOMPARE(summarise_heads(run).sparse_heads, 0);
    QCOMPARE(run.perplexity_tuned.value(), kDensePerplexity);
  }

  // Pinned heads are never evaluated nor changed by any probe, and count in the perplexity.
  void pinsAreHonoured() {
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    SyntheticPerplexity perplexity{&evaluator, 0.08};
    TuningEngine engine(evaluator, budget_options(0.01));
    engine.set_perplexity_measure(perplexity.measure());
    const HeadPin pin{HeadSetting{0.25, 0.9, 50.0}, true};
    engine.set_pin_source([&](int) { return PinSnapshot{{2, pin}}; });
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    QVERIFY(run.epsilon_multiplier > 1.0);
    for (const EvaluationRecord& r : run.evaluations)
      QVERIFY2(r.head != 2, "a pinned head was evaluated");
    for (const afbs::engine::EvaluationRequest& request : evaluator.requests) {
      QVERIFY(!request.active[2]);
      QCOMPARE(request.settings[2].tau, 0.9);
    }
    for (const LayerResult& layer : run.layers) {
      const HeadResult& head = layer.heads[2];
      QVERIFY(head.pinned && head.sparse);
      QCOMPARE(head.setting.tau, 0.9);
    }
    QVERIFY(perplexity.rise(run.layers) <= 0.01);
  }

  // A head no τ < 1 can make sparse costs the budget stage no evaluation: its own τ search
  // already measured a miss under the minimum sparsity.
  void hopelessHeadCostsNothing() {
    SyntheticHead hopeless;
    hopeless.floor = 1.0;  // error over every target at every setting
    std::vector<SyntheticHead> heads = afbs::engine::testing::ordinary_heads();
    heads.push_back(hopeless);
    SyntheticLayerEvaluator evaluator(1, heads);
    RunResult uniform;
    uniform_rise(evaluator, 0.08, &uniform);
    SyntheticPerplexity perplexity{&evaluator, 0.08};
    TuningEngine engine(evaluator, budget_options(0.01));
    engine.set_perplexity_measure(perplexity.measure());
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    QVERIFY(run.budget_probes.size() >= 3);
    const auto of_head = [](const RunResult& r, int head) {
      return std::count_if(r.evaluations.begin(), r.evaluations.end(),
                           [&](const EvaluationRecord& e) { return e.head == head; });
    };
    QCOMPARE(of_head(run, 4), of_head(uniform, 4));
    QVERIFY(of_head(run, 0) > of_head(uniform, 0));
    QVERIFY(!run.layers[0].heads[4].sparse);
  }

  // Killed at several points and resumed: the same config, evaluations and probes, and the
  // journalled perplexity measurements are replayed, not measured again.
  void resumeMatchesAnUninterruptedRun_data() {
    QTest::addColumn<double>("killedAt");
    for (double at : {0.3, 0.7, 0.95, 1.0})
      QTest::newRow(qPrintable(QString::number(at))) << at;
  }
  void resumeMatchesAnUninterruptedRun() {
    QFETCH(double, killedAt);
    QTemporaryDir dir;
    const std::string full_path = dir.filePath("full.jsonl").toStdString();
    EngineOptions options = budget_options(0.01);
    options.seed = 3;
    options.journal_path = full_path;
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    SyntheticPerplexity perplexity{&evaluator, 0.08};
    TuningEngine engine(evaluator, options);
    engine.set_perplexity_measure(perplexity.measure());
    const RunResult full = engine.run();
    QCOMPARE(full.status, RunStatus::Succeeded);
    const std::vector<std::string> lines = read_lines(full_path);
    int budget_lines = 0;
    for (const std::string& line : lines)
      budget_lines += nlohmann::json::parse(line).value("stage", "") == "budget" ? 1 : 0;
    QCOMPARE(budget_lines, full.perplexity_measurements);
    QCOMPARE(lines.size(), full.evaluations.size() + budget_lines + 1);

    const std::size_t kept = static_cast<std::size_t>(killedAt * lines.size());
    int budget_kept = 0;
    for (std::size_t i = 1; i < kept; ++i)
      budget_kept += nlohmann::json::parse(lines[i]).value("stage", "") == "budget";
    write_first_lines(dir.filePath("resumed.jsonl").toStdString(), lines, kept);
    options.journal_path = dir.filePath("resumed.jsonl").toStdString();
    options.resume = true;
    SyntheticLayerEvaluator again(2, afbs::engine::testing::ordinary_heads());
    SyntheticPerplexity measured_again{&again, 0.08};
    TuningEngine resumed_engine(again, options);
    resumed_engine.set_perplexity_measure(measured_again.measure());
    const RunResult resumed = resumed_engine.run();
    QCOMPARE(resumed.status, RunStatus::Succeeded);
    QCOMPARE(resumed.counts.evaluations, full.counts.evaluations);
    QCOMPARE(resumed.epsilon_multiplier, full.epsilon_multiplier);
    QCOMPARE(resumed.budget_probes.size(), full.budget_probes.size());
    QCOMPARE(measured_again.calls, full.perplexity_measurements - budget_kept);
    compare_heads(resumed, full);
  }

  // sparsity − p · error over a head's measured points; dense (0) when nothing beats it, and
  // points under the minimum sparsity or over the error cap never chosen.
  void priceChoosesTheBestTradeOff_data() {
    QTest::addColumn<double>("price");
    QTest::addColumn<int>("expected");
    QTest::newRow("free error: the sparsest within the cap") << 0.0 << 2;
    QTest::newRow("cheap") << 2.0 << 2;
    QTest::newRow("middling") << 8.0 << 1;
    QTest::newRow("dear: dense") << 100.0 << -1;
  }
  void priceChoosesTheBestTradeOff() {
    QFETCH(double, price);
    QFETCH(int, expected);
    // τ, sparsity, worst error; the last is over the cap, the third under the minimum sparsity.
    const std::vector<TauPoint> points = {
        {0.9, 0.2, 0.01}, {0.6, 0.4, 0.02}, {0.3, 0.6, 0.08}, {0.95, 0.05, 0.0}, {0.1, 0.9, 0.9}};
    QCOMPARE(choose_tau_point(points, price, 0.1, 0.8), expected);
    // The price that spends at most a total error: one head alone, 0.02 buys point 1.
    const double p = price_for_total_error({&points}, 0.02, 0.1, 0.8, -1.0);
    QCOMPARE(choose_tau_point(points, p, 0.1, 0.8), 1);
    QCOMPARE(price_for_total_error({}, 0.02, 0.1, 0.8, -1.0), -1.0);
  }

  // Perplexity here is additive in the heads' errors, the model the price allocation is the
  // optimum of: it finds more sparsity than equal targets within the same budget, and its
  // probes cost no evaluation (they choose among points already measured).
  void priceAllocationBeatsEqualTargets() {
    SyntheticLayerEvaluator evaluator(2, afbs::engine::testing::ordinary_heads());
    SyntheticPerplexity perplexity{&evaluator, 0.08};
    EngineOptions options = budget_options(0.01);
    options.budget.refine_layers = false;
    options.budget.price_allocation = true;
    TuningEngine engine(evaluator, options);
    engine.set_perplexity_measure(perplexity.measure());
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);

    options.budget.price_allocation = false;
    SyntheticLayerEvaluator again(2, afbs::engine::testing::ordinary_heads());
    SyntheticPerplexity perplexity_again{&again, 0.08};
    TuningEngine equal_engine(again, options);
    equal_engine.set_perplexity_measure(perplexity_again.measure());
    const RunResult equal = equal_engine.run();
    QCOMPARE(equal.status, RunStatus::Succeeded);

    QVERIFY(perplexity.rise(run.layers) <= 0.01);
    QVERIFY(run.budget_by_price);
    QVERIFY(!equal.budget_by_price);
    const double sparsity = summarise_heads(run).mean_sparsity;
    const double equal_sparsity = summarise_heads(equal).mean_sparsity;
    qInfo("price allocation: sparsity %.4f, %lld evaluations; equal targets: %.4f, %lld", sparsity,
          static_cast<long long>(run.counts.evaluations), equal_sparsity,
          static_cast<long long>(equal.counts.evaluations));
    QVERIFY(sparsity > equal_sparsity);
    int price_probes = 0;
    for (std::size_t i = 1; i < run.budget_probes.size(); ++i) {
      const BudgetProbe& probe = run.budget_probes[i];
      if (!probe.price || probe.validated) continue;
      ++price_probes;
      QCOMPARE(probe.evaluations, run.budget_probes[i - 1].evaluations);
    }
    QVERIFY(price_probes >= 2);
    // The chosen config carries each head's own measured τ: no two layers need share targets.
    QVERIFY(run.budget_probes.back().validated && run.budget_probes.back().price);
  }

  // The greedy path of the sensitivity allocation: each layer climbs its upper convex hull of
  // (rise, sparsity); steps come in order of sparsity per rise, a free step first; a
  // dominated option (less sparsity for more rise) is never a step.
  void allocationPathOrdersBySparsityPerRise() {
    // Layer 0 is sensitive (0.4 % for 0.3 sparsity), layer 1 not (0.1 % for the same);
    // layer 1's second option is dominated by its third; layer 2's first option is free.
    const std::vector<std::vector<LayerOption>> layers = {
        {{0.3, 0.004}, {0.5, 0.012}},
        {{0.3, 0.001}, {0.35, 0.006}, {0.5, 0.003}},
        {{0.1, -0.0005}, {0.0, 0.0}}};
    const std::vector<AllocationStep> path = allocation_path(layers);
    QCOMPARE(path.size(), std::size_t{5});
    QCOMPARE(path[0].layer, 2);  // free (a negative measured rise counts as 0)
    QCOMPARE(path[0].rise, 0.0);
    QCOMPARE(path[1].layer, 1);  // 300 sparsity per unit rise
    QCOMPARE(path[1].option, 0);
    QCOMPARE(path[2].layer, 1);  // 0.2 / 0.002 = 100
    QCOMPARE(path[2].option, 2);
    QCOMPARE(path[3].layer, 0);  // 75
    QCOMPARE(path[4].layer, 0);  // 25
    QCOMPARE(path[4].option, 1);
    for (const AllocationStep& step : path)
      QVERIFY(!(step.layer == 1 && step.option == 1));
    // A 0.35 % budget by summed rises: the free step and both of layer 1's; layer 0 stays
    // dense, the less sensitive layer gets the looser setting.
    QCOMPARE(steps_within(path, 0.0035), 3);
    const std::vector<int> choices = choices_after(path, 3, 3);
    QCOMPARE(choices, (std::vector<int>{-1, 2, 0}));
    QCOMPARE(choices_after(path, 3, 0), (std::vector<int>{-1, -1, -1}));
    QCOMPARE(choices_after(path, 3, 99), (std::vector<int>{1, 2, 0}));
    QVERIFY(allocation_path({{{0.0, 0.0}, {-0.1, 0.001}}}).empty());
  }

  // Budget mode with the sensitivity allocation on a model whose second layer costs no
  // perplexity at all: the mix gives that layer the loosest setting of the menu and the
  // sensitive layer a tighter one, beats equal targets, and is measured within the budget.
  void sensitivityGivesTheLooserSettingToTheLessSensitiveLayer() {
    SensitivityModel model;
    EngineOptions options = sensitivity_options(0.01);
    const RunResult run = model.run(options);
    for (const BudgetProbe& p : run.budget_probes)
      qDebug() << p.option.c_str() << p.layer << p.rise << p.mean_sparsity << p.within_budget
               << p.multiplier;
    qDebug() << "budget" << options.afbs.perplexity_budget << summarise_heads(run).mean_sparsity;
    QCOMPARE(run.status, RunStatus::Succeeded);
    QCOMPARE(run.budget_layer_choices.size(), std::size_t{2});
    QCOMPARE(run.budget_layer_choices[1], std::string("afbs eps x8"));
    // A config holds one rule for every sparse head: the mix never pairs AFBS-BO with top-k.
    for (const LayerResult& layer : run.layers) {
      for (const HeadResult& head : layer.heads)
        QVERIFY(!head.sparse || head.setting.rule == afbs::SelectionRule::cumulative);
    }
    QCOMPARE(run.layer_multipliers[1], 8.0);
    QVERIFY2(run.layer_multipliers[0] < 8.0, run.budget_layer_choices[0].c_str());
    QVERIFY(model.perplexity.rise(run.layers) <= 0.01);
    QCOMPARE(run.perplexity_tuned.value(),
             kDensePerplexity * (1.0 + model.perplexity.rise(run.layers)));
    // One probe per layer and menu setting (4 each), then the mixes.
    int alone = 0;
    int mixes = 0;
    for (const BudgetProbe& probe : run.budget_probes) {
      alone += probe.option.find("alone") != std::string::npos ? 1 : 0;
      mixes += probe.option.rfind("mix", 0) == 0 ? 1 : 0;
    }
    QCOMPARE(alone, 8);
    QVERIFY(mixes >= 1 && mixes <= options.budget.max_mix_probes);
    QCOMPARE(model.perplexity.calls, run.perplexity_measurements);

    options.budget.layer_sensitivity = false;
    SensitivityModel again;
    const RunResult equal = again.run(options);
    QCOMPARE(equal.status, RunStatus::Succeeded);
    QVERIFY(equal.budget_layer_choices.empty());
    QVERIFY(summarise_heads(run).mean_sparsity > summarise_heads(equal).mean_sparsity);
  }

  // The per-layer refinement of equal targets moves one layer at a time, as the sensitivity
  // menu does already: with the menu on it is skipped (no probe of one layer without a menu
  // option), and without the menu it runs.
  void sensitivityReplacesTheLayerRefinement() {
    const auto refinement_probes = [](const RunResult& run) {
      int count = 0;
      for (const BudgetProbe& probe : run.budget_probes)
        count += probe.layer >= 0 && probe.option.empty() ? 1 : 0;
      return count;
    };
    EngineOptions options = sensitivity_options(0.01);
    options.budget.refine_layers = true;
    SensitivityModel with_menu;
    const RunResult run = with_menu.run(options);
    QCOMPARE(run.status, RunStatus::Succeeded);
    QCOMPARE(refinement_probes(run), 0);
    QVERIFY(!run.budget_layer_choices.empty());

    options.budget.layer_sensitivity = false;
    SensitivityModel without_menu;
    const RunResult equal = without_menu.run(options);
    QCOMPARE(equal.status, RunStatus::Succeeded);
    QVERIFY(refinement_probes(equal) > 0);
  }

  // Windows only on the sensitivity menu, two widths: one family, so the layers may take
  // different widths (a config holds one rule, each head its own width). With the budget set
  // between the sensitive layer's two probes alone, the measured mix (the narrow window on the
  // free layer, the wide one on the sensitive layer) is sparser than any one width for every
  // layer within the same budget: the sliding-window sweep's best point.
  void sensitivityMixesWindowWidthsAcrossLayers() {
    EngineOptions options = sensitivity_options(1.0);
    options.budget.sensitivity_multipliers = {};
    options.budget.sensitivity_topk = {};
    options.budget.sensitivity_window_sparsities = {0.3, 0.6};
    const std::vector<int> ladder = {256, 512, 1024};  // 16 blocks: the two widths differ
    SensitivityModel probe_model;
    probe_model.evaluator.ladder_ = ladder;
    const RunResult probes = probe_model.run(options);
    QCOMPARE(probes.status, RunStatus::Succeeded);
    std::vector<double> layer0_rises;
    for (const BudgetProbe& probe : probes.budget_probes) {
      if (probe.layer == 0 && probe.option.find("alone") != std::string::npos)
        layer0_rises.push_back(probe.rise);
    }
    QCOMPARE(layer0_rises.size(), std::size_t{2});
    std::sort(layer0_rises.begin(), layer0_rises.end());
    QVERIFY2(layer0_rises[0] < layer0_rises[1],
             "the narrower window costs the sensitive layer more");

    SensitivityModel model;
    model.evaluator.ladder_ = ladder;
    const double budget = (layer0_rises[0] + layer0_rises[1]) / 2.0;
    options.afbs.perplexity_budget = budget;
    const RunResult run = model.run(options);
    QCOMPARE(run.status, RunStatus::Succeeded);
    // One width for every layer: the synthetic rise adds up over layers, and each probe
    // alone holds one layer's share of the mean sparsity.
    std::map<std::string, std::pair<double, double>> uniform;  // width → (rise, sparsity)
    double best_mix = -1.0;
    for (const BudgetProbe& probe : run.budget_probes) {
      if (probe.option.find("alone") != std::string::npos) {
        auto& [rise, sparsity] = uniform[probe.option];
        rise += probe.rise;
        sparsity += probe.mean_sparsity;
      }
      if (probe.option.rfind("mix", 0) == 0 && probe.within_budget)
        best_mix = std::max(best_mix, probe.mean_sparsity);
    }
    QCOMPARE(uniform.size(), std::size_t{2});
    double best_uniform = 0.0;
    for (const auto& [width, point] : uniform) {
      if (point.first <= budget) best_uniform = std::max(best_uniform, point.second);
    }
    QVERIFY2(best_mix > best_uniform + 0.05,
             (std::to_string(best_mix) + " against " + std::to_string(best_uniform)).c_str());
    QVERIFY(summarise_heads(run).mean_sparsity >= best_mix - 1e-12);
    QVERIFY(model.perplexity.rise(run.layers) <= budget);
  }

  // Layers that are cheap alone but dear together (the rise grows with the number of sparse
  // layers): the mix the summed rises suggest goes over the budget, the bisection backs off
  // along the path, and the config returned is a measured one within the budget.
  void sensitivityMixOverBudgetBacksOff() {
    SensitivityModel model(3, {});
    int calls = 0;
    const auto super_additive = [&](const std::vector<LayerResult>& layers) {
      int sparse_layers = 0;
      for (const LayerResult& layer : layers) {
        bool sparse = false;
        for (const HeadResult& head : layer.heads)
          sparse = sparse || head.sparse;
        sparse_layers += sparse ? 1 : 0;
      }
      return model.perplexity.rise(layers) * (1.0 + 4.0 * std::max(0, sparse_layers - 1));
    };
    const RunResult run =
        model.run(sensitivity_options(0.004), {}, [&](const std::vector<LayerResult>& layers) {
          ++calls;
          return afbs::Result<double>(kDensePerplexity * (1.0 + super_additive(layers)));
        });
    QCOMPARE(run.status, RunStatus::Succeeded);
    std::vector<const BudgetProbe*> mixes;
    for (const BudgetProbe& probe : run.budget_probes) {
      if (probe.option.rfind("mix", 0) == 0) mixes.push_back(&probe);
    }
    QVERIFY(!mixes.empty());
    QVERIFY2(!mixes.front()->within_budget, "the first mix should go over");
    QVERIFY(super_additive(run.layers) <= 0.004);
    QCOMPARE(run.perplexity_tuned.value(), kDensePerplexity * (1.0 + super_additive(run.layers)));
    if (!run.budget_layer_choices.empty()) {
      // The mix kept is one measured within, shorter than the first guess.
      bool found = false;
      for (const BudgetProbe* probe : mixes) {
        found =
            found || (probe->within_budget && probe->mean_sparsity == mean_sparsity(run.layers));
      }
      QVERIFY(found);
    }
    QCOMPARE(calls, run.perplexity_measurements);
  }

  // The sensitivity allocation killed part way and resumed: the same probes, mix and heads,
  // and the journalled perplexity measurements replayed, not measured again.
  void sensitivityResumeMatchesAnUninterruptedRun_data() {
    QTest::addColumn<double>("killedAt");
    for (double at : {0.5, 0.9, 0.98, 1.0})
      QTest::newRow(qPrintable(QString::number(at))) << at;
  }
  void sensitivityResumeMatchesAnUninterruptedRun() {
    QFETCH(double, killedAt);
    QTemporaryDir dir;
    const std::string full_path = dir.filePath("full.jsonl").toStdString();
    EngineOptions options = sensitivity_options(0.01);
    options.journal_path = full_path;
    SensitivityModel model;
    const RunResult full = model.run(options);
    QCOMPARE(full.status, RunStatus::Succeeded);
    QVERIFY(!full.budget_layer_choices.empty());
    const std::vector<std::string> lines = read_lines(full_path);
    const std::size_t kept = static_cast<std::size_t>(killedAt * lines.size());
    int budget_kept = 0;
    {
      std::ofstream out(dir.filePath("resumed.jsonl").toStdString(), std::ios::trunc);
      for (std::size_t i = 0; i < kept; ++i) {
        out << lines[i] << "\n";
        budget_kept += i > 0 && nlohmann::json::parse(lines[i]).value("stage", "") == "budget";
      }
    }
    options.journal_path = dir.filePath("resumed.jsonl").toStdString();
    options.resume = true;
    SensitivityModel again;
    const RunResult resumed = again.run(options);
    QCOMPARE(resumed.status, RunStatus::Succeeded);
    QCOMPARE(resumed.counts.evaluations, full.counts.evaluations);
    QCOMPARE(resumed.budget_probes.size(), full.budget_probes.size());
    QCOMPARE(resumed.budget_layer_choices, full.budget_layer_choices);
    QCOMPARE(resumed.layer_multipliers, full.layer_multipliers);
    QCOMPARE(again.perplexity.calls, full.perplexity_measurements - budget_kept);
    QCOMPARE(resumed.perplexity_tuned.value(), full.perplexity_tuned.value());
    for (std::size_t l = 0; l < full.layers.size(); ++l) {
      for (std::size_t h = 0; h < full.layers[l].heads.size(); ++h) {
        QCOMPARE(resumed.layers[l].heads[h].sparse, full.layers[l].heads[h].sparse);
        QCOMPARE(resumed.layers[l].heads[h].setting.tau, full.layers[l].heads[h].setting.tau);
      }
    }
  }

  // Pins under the sensitivity allocation: never evaluated, never changed by a menu setting
  // or a mix, and the base every probe starts from keeps them.
  void sensitivityHonoursPins() {
    SensitivityModel model;
    const HeadPin pin{HeadSetting{0.25, 0.9, 50.0}, true};
    const RunResult run = model.run(sensitivity_options(0.01), [&](int) {
      return PinSnapshot{{2, pin}};
    });
    QCOMPARE(run.status, RunStatus::Succeeded);
    QVERIFY(!run.budget_layer_choices.empty());
    QVERIFY(run.budget_probes.size() > 1);
    bool pins_only = false;
    for (const BudgetProbe& probe : run.budget_probes)
      pins_only = pins_only || probe.option == "pins only";
    QVERIFY(pins_only);
    for (const afbs::engine::EvaluationRequest& request : model.evaluator.requests) {
      QVERIFY(!request.active[2]);
      QCOMPARE(request.settings[2].tau, 0.9);
    }
    for (const LayerResult& layer : run.layers) {
      QVERIFY(layer.heads[2].pinned && layer.heads[2].sparse);
      QCOMPARE(layer.heads[2].setting.tau, 0.9);
    }
    QVERIFY(model.perplexity.rise(run.layers) <= 0.01);
  }

  // What afbs-tune prints and the workbench logs after a budget run: the budget line, and
  // which allocation the config is.
  void budgetSummaryNamesTheAllocation() {
    RunResult run;
    run.epsilon_multiplier = 2.5;
    run.target_error = 0.125;
    run.pv_target_error = 0.15;
    run.budget_probes.resize(7);
    run.layer_multipliers = {2.5, 3.75};
    const BudgetSummary summary = summarise_budget(run, 0.005);
    QCOMPARE(summary.budget, std::string("0.5 % rise: ε × 2.5 (ε1 0.125, ε2 0.15), 7 probes"));
    QCOMPARE(summary.allocation, std::string("equal targets (layer multipliers 2.5, 3.75)"));
    run.budget_by_price = true;
    QCOMPARE(summarise_budget(run, 0.01).allocation,
             std::string("price (each head's τ by a price on error)"));
    run.budget_by_price = false;
    run.budget_layer_choices = {"dense", "afbs eps x2", "window:128"};
    QCOMPARE(summarise_budget(run, 0.01).allocation,
             std::string("sensitivity (layer settings dense, afbs eps x2, window:128)"));
  }

  void budgetNeedsAfbsAndAMeasure() {
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    TuningEngine without_measure(evaluator, budget_options(0.01));
    const RunResult refused = without_measure.run();
    QCOMPARE(refused.status, RunStatus::Failed);
    QVERIFY2(refused.message.find("perplexity") != std::string::npos, refused.message.c_str());
    EngineOptions grid = budget_options(0.01);
    grid.method = TuningMethod::Grid;
    TuningEngine grid_engine(evaluator, grid);
    SyntheticPerplexity perplexity{&evaluator, 0.08};
    grid_engine.set_perplexity_measure(perplexity.measure());
    QCOMPARE(grid_engine.run().status, RunStatus::Failed);
    QVERIFY(evaluator.requests.empty());
  }
};

QTEST_APPLESS_MAIN(TestPerplexityBudget)
#include "tst_perplexity_budget.moc"
