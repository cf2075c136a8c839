#include <QChart>
#include <QChartView>
#include <QTabWidget>
#include <QValueAxis>
#include <QXYSeries>
#include <QtTest>

#include "tests/ui/fake_tuning_job.h"
#include "ui/convergence_chart.h"
#include "ui/run_controller.h"
#include "ui/tuning_bridge.h"

using afbs::engine::EvaluationRecord;
using afbs::engine::Stage;
using afbs::ui::ConvergenceChart;
namespace testing = afbs::ui::testing;

namespace {

EvaluationRecord record(int layer, int head, Stage stage, double sparsity, double error,
                        double objective) {
  EvaluationRecord made;
  made.layer = layer;
  made.head = head;
  made.stage = stage;
  made.sparsity = sparsity;
  made.error = error;
  made.objective = objective;
  return made;
}

int total_points(const ConvergenceChart& chart) {
  int count = 0;
  for (Stage stage : {Stage::Exploration, Stage::TauSearch, Stage::PvSearch, Stage::Validation,
                      Stage::Grid, Stage::Random})
    count += int(chart.value_series(stage)->count());
  return count;
}

}  // namespace

class TestConvergenceChart : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void a_long_grid_baseline_does_not_squeeze_the_run() {
    ConvergenceChart chart;
    chart.set_follow_run(false);
    chart.select(0, 0);
    std::vector<EvaluationRecord> grid;
    for (int i = 0; i < 600; ++i)
      grid.push_back(record(0, 0, Stage::Grid, 0.5, 0.01, 0.5));
    chart.set_baseline(grid);
    QTRY_VERIFY(chart.baseline_series()->count() > 0);
    for (int i = 0; i < 40; ++i)
      chart.add_record(record(0, 0, Stage::Exploration, 0.4, 0.01, 0.4));
    QTRY_COMPARE(chart.value_series(Stage::Exploration)->count(), 40);
    auto* axis = qobject_cast<QValueAxis*>(chart.charts().front()->axes(Qt::Horizontal).front());
    QVERIFY(axis != nullptr);
    QVERIFY2(axis->max() >= 40 && axis->max() <= 60, qPrintable(QString::number(axis->max())));
  }

  void hovering_a_point_names_its_stage_rung_and_setting() {
    ConvergenceChart chart;
    chart.set_follow_run(false);
    chart.select(2, 1);
    EvaluationRecord first = record(2, 1, Stage::Exploration, 0.4, 0.0123, 0.4);
    first.length_tokens = 256;
    EvaluationRecord second = record(2, 1, Stage::TauSearch, 0.6, 0.0511, 0.0);
    second.length_tokens = 1024;
    second.theta = -0.25;
    second.tau = 0.8125;
    second.lambda = 12.5;
    chart.add_record(record(2, 0, Stage::Grid, 0.9, 0.9, 0.9));  // another head
    chart.add_record(first);
    chart.add_record(second);
    const QString text = chart.describe_evaluation(2);
    QVERIFY2(text.contains("stage tau, rung 2 of 2 (1024 tokens)"), qPrintable(text));
    QVERIFY(text.contains("θ -0.250  τ 0.8125  λ 12.50"));
    QVERIFY(text.contains("error 0.0511"));
    QVERIFY(chart.describe_evaluation(1).contains("rung 1 of 2 (256 tokens)"));
    QVERIFY(chart.describe_evaluation(3).isEmpty());
    QVERIFY(chart.describe_evaluation(0).isEmpty());
  }

  void a_zoom_holds_while_points_arrive_until_reset() {
    ConvergenceChart chart;
    chart.resize(800, 600);
    chart.show();
    chart.set_follow_run(false);
    chart.select(0, 0);
    for (int i = 0; i < 40; ++i)
      chart.add_record(record(0, 0, Stage::Exploration, 0.01 * i, 0.001 * i, 0.01 * i));
    QTRY_VERIFY(chart.value_series(Stage::Exploration)->count() == 40);
    QChart* value = chart.charts().at(0);
    auto* value_x = qobject_cast<QValueAxis*>(value->axes(Qt::Horizontal).first());
    auto* error_x = qobject_cast<QValueAxis*>(chart.charts().at(1)->axes(Qt::Horizontal).first());
    const qreal full = value_x->max();
    // What a rubber band does: zoom into the left half of the plot.
    QRectF left_half = value->plotArea();
    left_half.setWidth(left_half.width() / 2);
    value->zoomIn(left_half);
    QVERIFY(chart.zoomed());
    QVERIFY(value_x->max() < full);
    QCOMPARE(error_x->max(), value_x->max());  // the error chart shows the same evaluations
    const qreal zoomed_max = value_x->max();
    for (int i = 0; i < 40; ++i)
      chart.add_record(record(0, 0, Stage::TauSearch, 0.5, 0.01, 0.5));
    QTRY_VERIFY(chart.value_series(Stage::TauSearch)->count() == 40);
    QCOMPARE(value_x->max(), zoomed_max);  // the zoom held
    // A double-click on a chart resets (the Reset zoom button does the same).
    QChartView* view = chart.findChildren<QChartView*>().first();
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, view->viewport()->rect().center());
    QVERIFY(!chart.zoomed());
    QVERIFY(value_x->max() > 80.0);  // fits all 80 evaluations again
  }

  void both_plots_start_at_the_same_x() {
    ConvergenceChart chart;
    chart.resize(800, 600);
    chart.show();
    chart.set_follow_run(false);
    chart.select(0, 0);
    // Error labels (0.0005 … 0.003) are wider than the objective's (0 … 1).
    for (int i = 0; i < 20; ++i)
      chart.add_record(record(0, 0, Stage::Exploration, 0.5, 0.000123 * i, 0.5));
    const QList<QChart*> charts = chart.charts();
    QTRY_VERIFY(charts.at(0)->plotArea().width() > 0);
    QTRY_VERIFY(std::abs(charts.at(0)->plotArea().left() - charts.at(1)->plotArea().left()) < 1.0);
    QVERIFY(std::abs(charts.at(0)->plotArea().right() - charts.at(1)->plotArea().right()) < 1.0);
  }

  void plots_stay_aligned_when_shown_again() {
    QTabWidget tabs;
    auto* chart = new ConvergenceChart;
    tabs.addTab(chart, "convergence");
    tabs.addTab(new QWidget, "other");
    tabs.resize(800, 600);
    tabs.show();
    chart->set_follow_run(false);
    chart->select(0, 0);
    for (int i = 0; i < 20; ++i)
      chart->add_record(record(0, 0, Stage::Exploration, 0.5, 0.003 * i, 0.5));
    const QList<QChart*> charts = chart->charts();
    QTRY_VERIFY(std::abs(charts.at(0)->plotArea().left() - charts.at(1)->plotArea().left()) < 1.0);
    // Narrower error labels (0 … 0.4) than the objective's (0.25, 0.75), made while hidden.
    tabs.setCurrentIndex(1);
    const int redraws = chart->redraw_count();
    chart->clear();
    for (int i = 0; i < 20; ++i)
      chart->add_record(record(0, 0, Stage::Exploration, 0.5, 0.018 * i, 0.5));
    QTRY_VERIFY(chart->redraw_count() > redraws);  // redrawn while hidden
    tabs.setCurrentIndex(0);
    QTRY_VERIFY(std::abs(charts.at(0)->plotArea().left() - charts.at(1)->plotArea().left()) < 1.0);
  }

  void a_burst_redraws_once_and_shows_every_point() {
    ConvergenceChart chart;
    chart.set_follow_run(false);
    chart.select(0, 0);
    QTRY_VERIFY(chart.redraw_count() >= 1);  // the initial draw
    const int before = chart.redraw_count();
    constexpr int kRecords = 10000;
    for (int i = 0; i < kRecords; ++i)
      chart.add_record(testing::numbered_record(i, 0, i % 2));  // heads 0 and 1 interleaved
    QTRY_VERIFY(chart.redraw_count() > before);
    QCOMPARE(chart.redraw_count(), before + 1);  // all 10 000 arrived within one timer period
    QCOMPARE(total_points(chart), kRecords / 2);
    // Head 0 got records 0, 2, 4, ...: its k-th point (x = k + 1) is record 2k.
    const QXYSeries* explore = chart.value_series(Stage::Exploration);
    const QXYSeries* explore_error = chart.error_series(Stage::Exploration);
    QVERIFY(explore->count() > 0);
    for (int n = 0; n < explore->count(); ++n) {
      const int x = int(explore->at(n).x());
      const EvaluationRecord expected = testing::numbered_record(2 * (x - 1));
      QCOMPARE(expected.stage, Stage::Exploration);
      QCOMPARE(explore->at(n).y(), expected.objective);
      QCOMPARE(explore_error->at(n).y(), expected.error);
    }
    // Best so far never falls and ends at the best objective.
    const QXYSeries* best = chart.best_series();
    double best_objective = 0.0;
    for (int i = 0; i < kRecords; i += 2)
      best_objective = std::max(best_objective, testing::numbered_record(i).objective);
    for (int n = 1; n < best->count(); ++n)
      QVERIFY(best->at(n).y() >= best->at(n - 1).y());
    QCOMPARE(best->at(best->count() - 1).y(), best_objective);
  }

  void records_streamed_from_a_worker_redraw_far_fewer_times_than_they_arrive() {
    ConvergenceChart chart;
    afbs::ui::RunController controller;
    connect(controller.reports(), &afbs::ui::TuningBridge::evaluations, &chart,
            &ConvergenceChart::add_records);
    bool done = false;
    connect(controller.reports(), &afbs::ui::TuningBridge::finished, this, [&] { done = true; });
    constexpr int kRecords = 10000;
    controller.start([](afbs::engine::TuningObserver& observer, auto control) {
      return testing::run_numbered_job(observer, control, kRecords);
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 30000);
    QTRY_COMPARE(total_points(chart), kRecords);  // last redraw has everything (head 0)
    QVERIFY2(chart.redraw_count() < kRecords / 20,
             qPrintable(QString("%1 redraws").arg(chart.redraw_count())));
  }

  void selection_switches_head_and_follow_tracks_latest_layer() {
    ConvergenceChart chart;
    chart.add_record(record(0, 0, Stage::Exploration, 0.5, 0.01, 0.5));
    chart.add_record(record(0, 1, Stage::TauSearch, 0.7, 0.02, 0.7));
    chart.add_record(record(0, 1, Stage::TauSearch, 0.8, 0.09, 0.0));
    chart.select(0, 1);
    chart.set_follow_run(false);
    QTRY_COMPARE(chart.value_series(Stage::TauSearch)->count(), 2);
    QCOMPARE(chart.value_series(Stage::Exploration)->count(), 0);
    QCOMPARE(chart.best_series()->at(chart.best_series()->count() - 1).y(), 0.7);
    chart.set_show_sparsity(true);
    QTRY_COMPARE(chart.value_series(Stage::TauSearch)->at(1).y(), 0.8);

    chart.set_follow_run(true);
    chart.add_record(record(4, 1, Stage::Validation, 0.6, 0.03, 0.6));
    QTRY_COMPARE(chart.selected_layer(), 4);
    QTRY_COMPARE(chart.value_series(Stage::Validation)->count(), 1);
  }

  void grid_baseline_is_overlaid_for_the_same_head_only() {
    ConvergenceChart chart;
    chart.set_follow_run(false);
    chart.select(2, 3);
    chart.set_baseline({record(2, 3, Stage::Grid, 0.4, 0.01, 0.4),
                        record(2, 3, Stage::Grid, 0.6, 0.01, 0.6),
                        record(2, 4, Stage::Grid, 0.9, 0.01, 0.9)});
    chart.add_record(record(2, 3, Stage::Exploration, 0.5, 0.01, 0.5));
    QTRY_VERIFY(chart.baseline_series()->count() > 0);
    QVERIFY(chart.baseline_series()->isVisible());
    QCOMPARE(chart.baseline_series()->at(chart.baseline_series()->count() - 1).y(), 0.6);
    chart.select(1, 0);
    QTRY_COMPARE(chart.baseline_series()->count(), 0);
    QVERIFY(!chart.baseline_series()->isVisible());
  }
};

QTEST_MAIN(TestConvergenceChart)
#include "tst_convergence_chart.moc"
