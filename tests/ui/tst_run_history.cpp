// Run history: every run is kept with its summary, evaluations and quality; two runs overlay on
// the Convergence and Quality charts; the runs survive a session save and open; the table sorts
// by value.
#include <QLineSeries>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

#include <QPushButton>
#include "synthetic_tuning_job.h"

#include "ui/convergence_chart.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/quality_chart.h"
#include "ui/run_history.h"
#include "ui/run_panel.h"
#include "ui/runs_view.h"
#include "workbench_test_helpers.h"

using afbs::ui::MainWindow;
using afbs::ui::RunEntry;
using afbs::ui::testing::log_text;

namespace {

// Synthetic runs of 2 layers × 3 heads; run k reports a tuned perplexity of 50 + k.
afbs::ui::TuningJobFactory synthetic_jobs(int* runs) {
  return [runs](const afbs::engine::EngineOptions& options,
                afbs::engine::PinSource pins) -> afbs::ui::TuningJob {
    const int run = ++*runs;
    return [run, pins, target = options.target_error](afbs::engine::TuningObserver& observer,
                                                      afbs::engine::RunControl control) {
      auto result = afbs::ui::testing::run_synthetic_tuning(observer, control, pins, 2, 3, target);
      for (int length : {256, 512}) {
        afbs::engine::QualityPoint point;
        point.length_tokens = length;
        point.perplexity_dense = 50.0;
        point.perplexity_tuned = 50.0 + run;
        observer.on_quality(point);
      }
      return result;
    };
  };
}

void run_once(MainWindow& window) {
  const int before = int(window.run_history()->runs().size());
  window.run_panel()->findChild<QPushButton*>("start")->click();
  QTRY_COMPARE_WITH_TIMEOUT(int(window.run_history()->runs().size()), before + 1, 30000);
}

}  // namespace

class TestRunHistory : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void runs_are_kept_compared_and_saved() {
    QTemporaryDir dir;
    int runs = 0;
    MainWindow window;
    window.show_model(afbs::ui::testing::toy_model(2, 3, synthetic_jobs(&runs)));
    run_once(window);
    window.heatmap_model()->toggle_pin(0, 0);  // the second run tunes one head fewer
    run_once(window);
    const std::vector<RunEntry>& kept = window.run_history()->runs();
    QCOMPARE(kept.size(), std::size_t{2});
    QCOMPARE(kept[0].number, 1);
    QCOMPARE(kept[0].status, QString("succeeded"));
    QCOMPARE(kept[0].heads, 6);
    QCOMPARE(kept[1].heads, 5);
    QCOMPARE(kept[1].perplexity_tuned, 52.0);
    QCOMPARE(kept[0].records.size(), std::size_t(kept[0].evaluations));
    QVERIFY(kept[1].evaluations < kept[0].evaluations);

    window.runs_view()->select_runs({1, 2});
    QCOMPARE(window.runs_view()->selected_runs(), (std::vector<int>{1, 2}));
    QVERIFY(window.compare_runs(1, 2));
    QVERIFY(window.runs_view()->comparison().contains("#2 afbs-bo against #1 afbs-bo"));
    QVERIFY(window.quality_chart()->curve("#1 afbs-bo") != nullptr);
    QCOMPARE(window.quality_chart()->curve("#2 afbs-bo")->at(0).y(), 52.0);
    window.convergence_chart()->set_follow_run(false);
    window.convergence_chart()->select(1, 1);
    QTRY_VERIFY(window.convergence_chart()->baseline_series()->count() > 0);
    QCOMPARE(window.convergence_chart()->baseline_series()->name(), QString("#1 afbs-bo"));

    QVERIFY(window.show_run(1));
    QVERIFY(window.quality_chart()->curve("#2 afbs-bo") == nullptr);
    QVERIFY(!window.show_run(7));

    const QString path = dir.filePath("runs.afbs-session.json");
    QVERIFY(window.save_session(path));
    MainWindow reopened;
    reopened.show_model(afbs::ui::testing::toy_model(2, 3, synthetic_jobs(&runs)));
    QVERIFY(reopened.open_session(path));
    QCOMPARE(reopened.run_history()->runs().size(), std::size_t{2});
    QCOMPARE(reopened.run_history()->runs()[1].records.size(), kept[1].records.size());
    QCOMPARE(reopened.run_history()->runs()[1].quality.size(), std::size_t{2});
    QCOMPARE(reopened.run_history()->runs()[0].started, kept[0].started);
  }

  void the_table_sorts_by_value() {
    afbs::ui::RunHistory history;
    for (int evaluations : {900, 80, 1000}) {
      RunEntry run;
      run.number = history.next_number();
      run.evaluations = evaluations;
      history.add(run);
    }
    afbs::ui::RunsView view(&history);
    view.table()->sortByColumn(afbs::ui::RunHistory::Evaluations, Qt::AscendingOrder);
    QAbstractItemModel* shown = view.table()->model();
    QCOMPARE(shown->index(0, afbs::ui::RunHistory::Evaluations).data().toString(), QString("80"));
    QCOMPARE(shown->index(2, afbs::ui::RunHistory::Evaluations).data().toString(),
             QString("1000"));  // as numbers: a text sort would put "1000" before "80"
  }

  void a_comparison_says_ratios_and_differences() {
    RunEntry grid;
    grid.number = 1;
    grid.method = "grid";
    grid.evaluations = 10000;
    grid.seconds = 80.0;
    grid.mean_sparsity = 0.30;
    RunEntry afbs;
    afbs.number = 2;
    afbs.method = "afbs-bo";
    afbs.evaluations = 1000;
    afbs.seconds = 10.0;
    afbs.mean_sparsity = 0.32;
    const QString text = afbs::ui::compare_runs_text(grid, afbs);
    QVERIFY2(text.contains("evaluations 0.10×"), qPrintable(text));
    QVERIFY2(text.contains("time 0.13×"), qPrintable(text));
    QVERIFY2(text.contains("mean sparsity +0.020"), qPrintable(text));
  }
};

QTEST_MAIN(TestRunHistory)
#include "tst_run_history.moc"
