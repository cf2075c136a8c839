#include <QDir>
#include <QImage>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTabWidget>
#include <QTableView>
#include <QXYSeries>
#include <QtTest>
#include <atomic>
#include <chrono>
#include <thread>

#include "ui/run_controller.h"

#include "tests/ui/synthetic_tuning_job.h"
#include "ui/convergence_chart.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/quality_chart.h"
#include "ui/run_panel.h"
#include "ui/sparsity_heatmap.h"

using afbs::ui::MainWindow;

// Runs the whole window on a synthetic run and looks at what it paints. With
// AFBS_UI_SNAPSHOT_DIR set it also saves each tab as a PNG there, for a person to look at.
class TestWorkbenchSnapshot : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void a_synthetic_run_paints_every_tab() {
    constexpr int kLayers = 6;
    constexpr int kHeads = 8;
    MainWindow window;
    window.resize(1280, 800);
    auto* model = window.heatmap_model();
    model->set_dimensions(kLayers, kHeads);
    model->toggle_pin(2, 3);
    model->override_setting(4, 1, afbs::ui::SettingField::Tau, 0.5);
    // The job holds at the start of layer 3 until the test has paused it, so the paused
    // window shows a run half done whatever the thread timing.
    std::atomic<bool> reached_layer_3{false};
    std::atomic<bool> gate_open{false};
    // Opens the gate before the window (declared earlier) is destroyed, even when a check
    // fails, so the window's destructor never waits on a held job.
    struct OpenOnExit {
      std::atomic<bool>& gate;
      ~OpenOnExit() { gate = true; }
    } open_on_exit{gate_open};
    window.set_job_factory([&](const afbs::engine::EngineOptions& options,
                               afbs::engine::PinSource pins) -> afbs::ui::TuningJob {
      afbs::engine::PinSource gated = [&, pins](int layer) {
        if (layer == 3) {
          reached_layer_3 = true;
          while (!gate_open)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return pins(layer);
      };
      return [options, gated](afbs::engine::TuningObserver& observer, auto control) {
        return afbs::ui::testing::run_synthetic_tuning(observer, control, gated, kLayers, kHeads,
                                                       options.target_error);
      };
    });
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const QString directory = qEnvironmentVariable("AFBS_UI_SNAPSHOT_DIR");
    window.run_panel()->findChild<QPushButton*>("start")->click();
    // Pause mid-run through the button, as a person would, and look at the paused window.
    auto* pause = window.run_panel()->findChild<QPushButton*>("pause");
    QVERIFY(pause->isEnabled());
    QTRY_VERIFY_WITH_TIMEOUT(reached_layer_3.load(), 60000);
    pause->click();
    QVERIFY(window.run_controller()->paused());
    QCOMPARE(pause->text(), QString("Resume"));
    gate_open = true;  // the job now stops at its next evaluation
    QTRY_COMPARE(window.heatmap_model()->cell(2, 0).tuned, true);  // layers 0-2 reported
    QVERIFY(!window.heatmap_model()->cell(3, 0).tuned);
    QVERIFY(window.run_controller()->running());
    if (!directory.isEmpty()) {
      window.tabs()->setCurrentWidget(window.heatmap_tab());
      QTest::qWait(2 * afbs::ui::ConvergenceChart::kRedrawDelayMs);
      QVERIFY(window.grab().save(QDir(directory).filePath("workbench_paused_heatmap.png")));
      window.tabs()->setCurrentWidget(window.convergence_tab());
      QTest::qWait(2 * afbs::ui::ConvergenceChart::kRedrawDelayMs);
      QVERIFY(window.grab().save(QDir(directory).filePath("workbench_paused.png")));
    }
    pause->click();
    QVERIFY(!window.run_controller()->paused());
    auto* log = window.findChild<QPlainTextEdit*>("log");
    QTRY_VERIFY_WITH_TIMEOUT(log->toPlainText().contains("Run succeeded"), 60000);

    window.quality_chart()->set_curve("dense", {512, 1024, 2048, 4096}, {9.8, 8.9, 8.3, 7.9});
    window.quality_chart()->set_curve("tuned", {512, 1024, 2048, 4096}, {9.9, 9.0, 8.4, 8.0});
    window.quality_chart()->set_curve("grid", {512, 1024, 2048, 4096}, {10.1, 9.2, 8.6, 8.2});
    std::vector<afbs::engine::EvaluationRecord> grid;  // an earlier grid run of head (3, 5)
    for (int i = 0; i < 48; ++i) {
      afbs::engine::EvaluationRecord record;
      record.layer = 3;
      record.head = 5;
      record.stage = afbs::engine::Stage::Grid;
      record.objective = i % 5 == 4 ? 0.0 : 0.3 * (1.0 - std::exp(-i / 14.0));
      grid.push_back(record);
    }
    window.convergence_chart()->set_baseline(grid);
    window.convergence_chart()->set_follow_run(false);
    window.convergence_chart()->select(3, 5);
    QTest::qWait(2 * afbs::ui::ConvergenceChart::kRedrawDelayMs);  // let the coalesced redraw run
    QCOMPARE(window.convergence_chart()->selected_layer(), 3);
    QVERIFY(window.convergence_chart()->baseline_series()->isVisible());

    for (int tab = 0; tab < window.tabs()->count(); ++tab) {
      window.tabs()->setCurrentIndex(tab);
      QCoreApplication::processEvents();
      const QImage image = window.grab().toImage();
      QCOMPARE(image.size(), window.size());
      if (!directory.isEmpty()) {
        const QString name = window.tabs()->tabText(tab).toLower();
        QVERIFY(image.save(QDir(directory).filePath("workbench_" + name + ".png")));
      }
    }

    // The heatmap paints the model's colour in a tuned cell and marks the pinned one.
    window.tabs()->setCurrentWidget(window.heatmap_tab());
    QTableView* table = window.heatmap()->table();
    table->clearSelection();
    QCoreApplication::processEvents();
    const QImage cells = table->viewport()->grab().toImage();
    const QModelIndex tuned = model->index(1, 6);
    QVERIFY(model->cell(1, 6).tuned);
    const QRect tuned_rect = table->visualRect(tuned);
    QCOMPARE(cells.pixelColor(tuned_rect.bottomLeft() + QPoint(3, -3)).rgb(),
             model->data(tuned, Qt::BackgroundRole).value<QColor>().rgb());
    const QRect pinned_rect = table->visualRect(model->index(2, 3));
    QCOMPARE(cells.pixelColor(pinned_rect.topRight() + QPoint(-3, 3)).rgb(),
             QColor(230, 30, 60).rgb());
    QVERIFY(!model->cell(2, 3).tuned);  // the run left the pinned head alone
  }
};

QTEST_MAIN(TestWorkbenchSnapshot)
#include "tst_workbench_snapshot.moc"
