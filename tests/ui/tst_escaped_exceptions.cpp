// The workbench's top-level handler (issue 15): an exception escaping a slot on the GUI
// thread, an event on the worker thread, or a tuning job becomes an error in the message bar,
// the session is autosaved, and the window and its worker go on working. Offscreen.
#include <QFile>
#include <QPushButton>
#include <QTemporaryDir>
#include <QtTest>
#include <stdexcept>

#include "tests/ui/workbench_test_helpers.h"
#include "ui/guarded_application.h"
#include "ui/main_window.h"
#include "ui/message_bar.h"
#include "ui/run_controller.h"
#include "ui/run_panel.h"

using afbs::ui::GuardedApplication;
using afbs::ui::MainWindow;
using afbs::ui::Severity;
using namespace afbs::ui::testing;

namespace {

GuardedApplication* guarded_app() {
  return static_cast<GuardedApplication*>(QCoreApplication::instance());
}

afbs::engine::RunResult succeeded(afbs::engine::TuningObserver&, afbs::engine::RunControl) {
  afbs::engine::RunResult result;
  result.status = afbs::engine::RunStatus::Succeeded;
  return result;
}

// A window on a toy model whose autosave goes to `dir`, handling escaped exceptions.
void prepare(MainWindow& window, const QTemporaryDir& dir) {
  window.set_autosave_path(dir.filePath("autosave.json"));
  window.show_model(toy_model(2, 4, jobs_running(succeeded)));
  window.show();
  guarded_app()->set_handler(
      [&window](const QString& what) { window.report_escaped_exception(what); });
}

// The window still runs a job to its end: its worker thread survived.
void a_run_still_succeeds(MainWindow& window) {
  const int before = log_text(window).count("Run succeeded");
  window.run_panel()->findChild<QPushButton*>("start")->click();
  QTRY_VERIFY_WITH_TIMEOUT(log_text(window).count("Run succeeded") > before, 30000);
}

}  // namespace

class TestEscapedExceptions : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void cleanup() { guarded_app()->set_handler({}); }

  void a_throwing_slot_on_the_gui_thread_is_a_message() {
    QTemporaryDir dir;
    MainWindow window;
    prepare(window, dir);
    const int before = guarded_app()->escaped_exceptions();
    QPushButton button("throws");
    QObject::connect(&button, &QPushButton::clicked,
                     [] { throw std::runtime_error("heatmap row 7 is gone"); });
    button.show();
    QVERIFY(QTest::qWaitForWindowExposed(&button));
    QTest::mouseClick(&button, Qt::LeftButton);  // a real event, through notify
    QTRY_COMPARE(guarded_app()->escaped_exceptions(), before + 1);
    QCOMPARE(window.message_bar()->severity(), Severity::Error);
    QVERIFY2(window.message_bar()->text().contains("Internal error: heatmap row 7 is gone"),
             qPrintable(window.message_bar()->text()));
    QVERIFY(window.message_bar()->text().contains("autosaved"));
    QVERIFY(QFile::exists(dir.filePath("autosave.json")));
    QVERIFY(window.isVisible());
    a_run_still_succeeds(window);
  }

  void a_throwing_event_on_the_worker_thread_is_a_message() {
    QTemporaryDir dir;
    MainWindow window;
    prepare(window, dir);
    const int before = guarded_app()->escaped_exceptions();
    // A task runs in a queued event on the worker thread; its exception leaves that event.
    window.run_controller()->run_on_worker([](afbs::StopFlags) { throw 42; });
    QTRY_COMPARE(guarded_app()->escaped_exceptions(), before + 1);
    QVERIFY2(window.message_bar()->text().contains("Internal error: an unknown exception"),
             qPrintable(window.message_bar()->text()));
    QVERIFY(QFile::exists(dir.filePath("autosave.json")));
    a_run_still_succeeds(window);
  }

  // A job that throws never reaches the handler: the worker reports it as a failed run,
  // with its message.
  void a_throwing_job_is_a_failed_run_with_its_message() {
    QTemporaryDir dir;
    MainWindow window;
    prepare(window, dir);
    const int before = guarded_app()->escaped_exceptions();
    window.set_job_factory(jobs_running(
        [](afbs::engine::TuningObserver&, afbs::engine::RunControl) -> afbs::engine::RunResult {
          throw std::bad_alloc();
        }));
    window.run_panel()->findChild<QPushButton*>("start")->click();
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run failed"), 30000);
    QVERIFY2(window.message_bar()->text().contains("bad_alloc"),
             qPrintable(window.message_bar()->text()));
    QCOMPARE(guarded_app()->escaped_exceptions(), before);
    window.set_job_factory(jobs_running(succeeded));
    a_run_still_succeeds(window);
  }
};

// QTEST_MAIN would make a plain QApplication; the workbench's own is the point here.
int main(int argc, char** argv) {
  GuardedApplication app(argc, argv);
  TestEscapedExceptions test;
  QTEST_SET_MAIN_SOURCE_PATH
  return QTest::qExec(&test, argc, argv);
}

#include "tst_escaped_exceptions.moc"
