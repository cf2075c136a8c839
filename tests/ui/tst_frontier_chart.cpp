// The Quality tab's frontier: each run lands in its method's series at (rise %, sparsity),
// a budget run's probes in their own series, the last run highlighted; a run without any
// perplexity measurement is left out.
#include <QChart>
#include <QScatterSeries>
#include <QValueAxis>
#include <QtTest>

#include <cmath>

#include "ui/frontier_chart.h"

using namespace afbs::engine;

namespace {

// A run of one layer whose heads have the given sparsities (0: dense).
RunResult run_with(std::vector<double> sparsities) {
  RunResult run;
  run.status = RunStatus::Succeeded;
  LayerResult layer;
  for (std::size_t h = 0; h < sparsities.size(); ++h) {
    HeadResult head;
    head.head = static_cast<int>(h);
    head.sparse = sparsities[h] > 0.0;
    head.sparsity = sparsities[h];
    layer.heads.push_back(head);
  }
  run.layers.push_back(layer);
  return run;
}

}  // namespace

class TestFrontierChart : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void runsLandInTheirMethodsSeries() {
    afbs::ui::FrontierChart chart;
    QVERIFY(chart.chart()->title().contains("no finished run"));

    RunResult guarded = run_with({0.4, 0.2});
    guarded.perplexity_dense = 10.0;
    guarded.perplexity_tuned = 10.05;
    QVERIFY(chart.add_run("afbs-bo", guarded, std::nullopt));
    QScatterSeries* afbs = chart.series("afbs-bo");
    QVERIFY(afbs != nullptr);
    QCOMPARE(afbs->count(), 1);
    QCOMPARE(afbs->at(0).x(), 100.0 * (10.05 / 10.0 - 1.0));
    QCOMPARE(afbs->at(0).y(), 0.3);

    // No guard (a baseline): the Quality point at the top length gives the perplexity.
    QualityPoint top;
    top.length_tokens = 1024;
    top.perplexity_dense = 20.0;
    top.perplexity_tuned = 20.4;
    QVERIFY(chart.add_run("grid", run_with({0.5, 0.5}), top));
    QCOMPARE(chart.series("grid")->at(0), QPointF(100.0 * (20.4 / 20.0 - 1.0), 0.5));
    QCOMPARE(chart.chosen()->count(), 1);
    QCOMPARE(chart.chosen()->at(0), chart.series("grid")->at(0));

    // Neither: nothing is drawn.
    QVERIFY(!chart.add_run("random", run_with({0.1}), std::nullopt));
    QVERIFY(chart.series("random") == nullptr);

    // A budget run: its probes, and the run itself highlighted.
    RunResult budget = run_with({0.6, 0.4});
    budget.perplexity_dense = 10.0;
    budget.perplexity_tuned = 10.09;
    for (double rise : {0.004, 0.012, 0.009}) {
      BudgetProbe probe;
      probe.rise = rise;
      probe.mean_sparsity = 40.0 * rise;
      budget.budget_probes.push_back(probe);
    }
    QVERIFY(chart.add_run("afbs-bo budget", budget, std::nullopt));
    QScatterSeries* probes = chart.series(afbs::ui::FrontierChart::probes_name());
    QVERIFY(probes != nullptr);
    QCOMPARE(probes->count(), 3);
    QCOMPARE(probes->at(1), QPointF(1.2, 0.48));
    QCOMPARE(chart.chosen()->at(0).y(), 0.5);

    // The axes show every point.
    const auto* rise_axis = qobject_cast<QValueAxis*>(chart.chart()->axes(Qt::Horizontal).at(0));
    const auto* sparsity_axis = qobject_cast<QValueAxis*>(chart.chart()->axes(Qt::Vertical).at(0));
    for (QAbstractSeries* s : chart.chart()->series()) {
      for (const QPointF& p : static_cast<QXYSeries*>(s)->points()) {
        QVERIFY(p.x() >= rise_axis->min() && p.x() <= rise_axis->max());
        QVERIFY(p.y() >= sparsity_axis->min() && p.y() <= sparsity_axis->max());
      }
    }
    // Ticks a person reads at a glance: steps of 1, 2 or 5 × 10^k (not −0.20, 0.12, 0.45 …).
    for (const QValueAxis* axis : {rise_axis, sparsity_axis}) {
      const double step = (axis->max() - axis->min()) / (axis->tickCount() - 1);
      const double mantissa = step / std::pow(10.0, std::floor(std::log10(step)));
      QVERIFY2(std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 ||
                   std::abs(mantissa - 2.5) < 1e-6 || std::abs(mantissa - 5) < 1e-6 ||
                   std::abs(mantissa - 10) < 1e-6,
               qPrintable(QString("tick step %1").arg(step)));
    }
    chart.clear();
    QVERIFY(chart.series("afbs-bo") == nullptr);
    QCOMPARE(chart.chosen()->count(), 0);
  }
};

QTEST_MAIN(TestFrontierChart)
#include "tst_frontier_chart.moc"
