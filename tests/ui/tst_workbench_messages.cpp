#include <QAction>
#include <QFile>
#include <QPushButton>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include "tests/ui/workbench_test_helpers.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/message_bar.h"
#include "ui/model_panel.h"
#include "ui/progress_indicator.h"
#include "ui/run_panel.h"
#include "ui/sparsity_heatmap.h"

using afbs::ui::MainWindow;
using afbs::ui::Severity;
using namespace afbs::ui::testing;

namespace {

afbs::engine::RunResult finished_with(afbs::engine::RunStatus status, bool any_sparse,
                                      bool out_of_memory = false) {
  afbs::engine::RunResult result;
  result.status = status;
  result.target_error = 0.001;
  result.out_of_memory = out_of_memory;
  if (status == afbs::engine::RunStatus::Failed) result.message = "out of memory at layer 3";
  afbs::engine::LayerResult layer;
  for (int head = 0; head < 4; ++head) {
    afbs::engine::HeadResult tuned;
    tuned.head = head;
    tuned.sparse = any_sparse && head == 0;
    layer.heads.push_back(tuned);
  }
  result.layers.push_back(layer);
  return result;
}

void run_to_end(MainWindow& window, afbs::engine::RunResult result) {
  window.set_job_factory(jobs_running(
      [result](afbs::engine::TuningObserver&, afbs::engine::RunControl) { return result; }));
  const QString ended = "Run " + QString::fromUtf8(afbs::engine::run_status_name(result.status));
  const int before = log_text(window).count(ended);
  window.run_panel()->findChild<QPushButton*>("start")->click();
  QTRY_VERIFY_WITH_TIMEOUT(log_text(window).count(ended) > before, 30000);
}

}  // namespace

class TestWorkbenchMessages : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void a_corrupt_config_shows_over_the_current_view_not_only_in_the_log() {
    QTemporaryDir dir;
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.show_model(toy_model(2, 4));
    run_to_end(window, finished_with(afbs::engine::RunStatus::Succeeded, true));
    QCOMPARE(window.progress_indicator()->text(), QString("Run succeeded"));
    window.tabs()->setCurrentWidget(window.heatmap_tab());
    const QString corrupt = dir.filePath("corrupt.json");
    QFile file(corrupt);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{\"format\": ");
    file.close();
    QVERIFY(!window.open_config(corrupt));
    QVERIFY(window.message_bar()->isVisible());
    QCOMPARE(window.message_bar()->severity(), Severity::Error);
    QVERIFY(window.message_bar()->text().contains("Not opened: " + corrupt));
    QCOMPARE(window.tabs()->currentWidget(), window.heatmap_tab());  // the view stays
    QVERIFY(!window.progress_indicator()->text().contains("succeeded"));
    QVERIFY(log_text(window).contains("Not opened: " + corrupt));
    window.message_bar()->findChild<QPushButton*>("messageDismiss")->click();
    QVERIFY(!window.message_bar()->isVisible());
  }

  void a_failed_run_is_an_error_and_an_all_dense_run_a_warning() {
    MainWindow window;
    window.show();
    window.show_model(toy_model(1, 4));
    run_to_end(window, finished_with(afbs::engine::RunStatus::Failed, true));
    QCOMPARE(window.message_bar()->severity(), Severity::Error);
    QVERIFY(window.message_bar()->text().contains("out of memory at layer 3"));
    QCOMPARE(window.progress_indicator()->text(), QString("Run failed"));
    QVERIFY(!window.message_bar()->text().contains("lower the top length"));

    // Out of memory (issue 15): the message says what to lower.
    run_to_end(window, finished_with(afbs::engine::RunStatus::Failed, true, true));
    QCOMPARE(window.message_bar()->severity(), Severity::Error);
    QVERIFY(window.message_bar()->text().contains("out of memory at layer 3"));
    QVERIFY(window.message_bar()->text().contains("lower the top length n_F"));
    QCOMPARE(window.progress_indicator()->text(), QString("Run failed: out of memory"));

    run_to_end(window, finished_with(afbs::engine::RunStatus::Succeeded, false));
    QVERIFY(window.message_bar()->isVisible());
    QCOMPARE(window.message_bar()->severity(), Severity::Warning);
    QVERIFY(window.message_bar()->text().contains("Every tuned head came out dense"));
    QVERIFY(window.message_bar()->text().contains("0.001"));
    QCOMPARE(window.progress_indicator()->text(), QString("Run succeeded: every head dense"));

    // A run with a sparse head is a plain success; starting it cleared the old message.
    run_to_end(window, finished_with(afbs::engine::RunStatus::Succeeded, true));
    QVERIFY(!window.message_bar()->isVisible());
    QCOMPARE(window.progress_indicator()->text(), QString("Run succeeded"));
  }

  void a_folder_that_is_not_a_model_can_be_recovered_from() {
    MainWindow window;
    window.show();
    QStringList asked;
    window.set_model_opener(
        [&](const std::filesystem::path& dir) -> afbs::Result<afbs::ui::OpenedModel> {
          asked << QString::fromStdString(dir.string());
          if (dir == "/tmp/not-a-model")
            return afbs::Error{"/tmp/not-a-model/config.json: cannot open"};
          return toy_model(3, 2, {}, QString::fromStdString(dir.string()));
        });
    QVERIFY(!window.open_model("/tmp/not-a-model"));
    QCOMPARE(window.message_bar()->severity(), Severity::Error);
    QVERIFY(window.message_bar()->text().contains("Cannot open the model"));
    QVERIFY(window.message_bar()->text().contains("config.json: cannot open"));
    QVERIFY(window.message_bar()->action_button()->isVisible());
    QCOMPARE(window.message_bar()->action_button()->text(), QString("Open model…"));
    QVERIFY(window.model_dir().isEmpty());
    QVERIFY(window.recent_models().isEmpty());

    QVERIFY(window.open_model("/models/good"));
    QCOMPARE(window.model_dir(), QString("/models/good"));
    QCOMPARE(window.heatmap_model()->layers(), 3);
    QVERIFY(!window.message_bar()->isVisible());
    QCOMPARE(window.recent_models(), QStringList({"/models/good"}));
    QVERIFY(window.windowTitle().contains("good"));
  }

  void start_without_a_model_offers_to_open_one() {
    MainWindow window;
    window.show();
    window.run_panel()->findChild<QPushButton*>("start")->click();
    QVERIFY(window.message_bar()->isVisible());
    QVERIFY(window.message_bar()->text().contains("No model is loaded"));
    QVERIFY(window.message_bar()->action_button()->isVisible());
  }

  void menus_have_open_model_quit_about_and_shortcuts() {
    MainWindow window;
    for (const char* name : {"openModelAction", "openSessionAction", "saveSessionAction",
                             "quitAction", "aboutAction", "shortcutsAction"})
      QVERIFY2(window.findChild<QAction*>(name) != nullptr, name);
    QCOMPARE(window.findChild<QAction*>("quitAction")->shortcut(), QKeySequence("Ctrl+Q"));
    QAction* heatmap = window.findChild<QAction*>("showTab2Action");
    QVERIFY(heatmap != nullptr);
    QCOMPARE(heatmap->shortcut(), QKeySequence("Ctrl+2"));
    heatmap->trigger();
    QCOMPARE(window.tabs()->currentWidget(), window.heatmap_tab());
    window.show();
    // Quit closes the window (no prompt: nothing to lose).
    window.findChild<QAction*>("quitAction")->trigger();
    QVERIFY(!window.isVisible());
  }
};

QTEST_MAIN(TestWorkbenchMessages)
#include "tst_workbench_messages.moc"
