#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineSeries>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QXYSeries>
#include <QtTest>
#include <cerrno>
#include <cstring>

#include "tests/common/injected_write_fault.h"
#include "tests/ui/fake_tuning_job.h"
#include "tests/ui/workbench_test_helpers.h"
#include "ui/convergence_chart.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/quality_chart.h"
#include "ui/run_controller.h"
#include "ui/run_panel.h"
#include "ui/session_document.h"

using afbs::ui::MainWindow;
using afbs::ui::SessionDocument;
using namespace afbs::ui::testing;

namespace {

// A run that reports 40 evaluations, tunes layer 1 of a 2 × 4 model and measures quality at
// two lengths.
afbs::engine::RunResult toy_run(afbs::engine::TuningObserver& observer,
                                afbs::engine::RunControl control) {
  auto result = run_numbered_job(observer, control, 40);
  afbs::engine::LayerResult layer;
  layer.layer = 1;
  for (int head = 0; head < 4; ++head) {
    afbs::engine::HeadResult tuned;
    tuned.head = head;
    tuned.setting = afbs::HeadSetting{0.1 * head, 0.9, 12.0};
    tuned.sparse = true;
    tuned.sparsity = 0.3 + 0.1 * head;
    tuned.error = 0.049 + 0.001 * head;
    tuned.meets_target = head < 2;
    layer.heads.push_back(tuned);
  }
  observer.on_layer_finished(layer);
  result.layers.push_back(layer);
  for (int length : {256, 512}) {
    afbs::engine::QualityPoint point;
    point.length_tokens = length;
    point.perplexity_dense = 40.0 + length / 256.0;
    point.perplexity_tuned = point.perplexity_dense + 0.25;
    point.sparsity_tuned = 0.3;
    point.kv_bytes_dense = length * 1024.0;
    point.kv_bytes_tuned = 0.7 * point.kv_bytes_dense;
    observer.on_quality(point);
  }
  return result;
}

// A window on the toy model after a run, two pins and an override, and a note.
void fill_with_work(MainWindow& window) {
  window.show_model(toy_model(2, 4, jobs_running(toy_run)));
  window.run_panel()->set_top_length(512);
  window.run_panel()->findChild<QPushButton*>("start")->click();
  QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run succeeded"), 30000);
  QTRY_COMPARE(window.quality_chart()->curve("tuned") != nullptr, true);
  window.heatmap_model()->toggle_pin(0, 1);
  window.heatmap_model()->override_setting(1, 3, afbs::ui::SettingField::Tau, 0.5);
  window.findChild<QPlainTextEdit*>("notes")->setPlainText("head 3 looks odd");
}

}  // namespace

class TestWorkbenchSession : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void a_document_round_trips_exactly() {
    SessionDocument session;
    session.model_dir = "/models/toy";
    session.model_fingerprint = "f00d";
    session.run.l1_target = 0.031;
    session.run.method = "grid";
    session.run.top_length_tokens = 1984;
    session.run.first_layer = 1;
    session.run.perplexity_budget = 0.0125;
    session.run.layer_sensitivity = true;
    session.run.blocks = afbs::BlockShape{128, 64};
    session.layers = 1;
    session.heads = 2;
    session.cells.resize(2);
    session.cells[1].setting = afbs::HeadSetting{-0.125, 0.1 + 0.2, 7.5};
    session.cells[1].pinned = true;
    session.cells[1].tuned = true;
    session.cells[1].sparsity = 1.0 / 3.0;
    session.cells[1].error = 0.0499999;
    session.evaluations = {numbered_record(17, 0, 1), numbered_record(18, 0, 0)};
    session.quality.resize(2);
    session.quality[0].length_tokens = 512;
    session.quality[0].perplexity_tuned = 42.123456789;
    session.quality[1].peak_device_bytes = 3221225473.0;  // measured on a GPU
    session.last_tuning = afbs::TuningSummary{"grid", 0.031, 0.04, {256, 512}, 99, 12.5, 3.25};
    session.blocks = afbs::BlockShape{64, 128};
    session.log = "line one\nline two";
    session.notes = "ünïcode notes";
    session.unsaved = true;

    auto read = afbs::ui::session_from_json(afbs::ui::session_to_json(session), "mem");
    QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
    QCOMPARE(read->model_fingerprint, QString("f00d"));
    QVERIFY(read->run == session.run);
    QVERIFY(read->cells[1] == session.cells[1]);  // every field, bit for bit
    QCOMPARE(read->cells[1].sparsity, 1.0 / 3.0);
    QCOMPARE(int(read->evaluations.size()), 2);
    QCOMPARE(read->evaluations[0].call, std::int64_t{17});
    QCOMPARE(read->evaluations[0].error, session.evaluations[0].error);
    QCOMPARE(read->evaluations[0].stage, session.evaluations[0].stage);
    QCOMPARE(read->quality[0].perplexity_tuned, 42.123456789);
    QVERIFY(!read->quality[0].peak_device_bytes);  // not measured stays not measured, not 0
    QCOMPARE(*read->quality[1].peak_device_bytes, 3221225473.0);
    QCOMPARE(read->last_tuning->fidelities, (std::vector<std::int64_t>{256, 512}));
    QCOMPARE(read->blocks, (afbs::BlockShape{64, 128}));
    QCOMPARE(read->notes, session.notes);
    QVERIFY(read->unsaved);
  }

  // Budget mode's fields (issue 13) are saved with the session, put back on open, and reach
  // the engine of a run started after it; a file from before them opens with the budget off;
  // a budget the field cannot hold is refused, naming the file and the field.
  void budget_settings_round_trip_through_the_session_file() {
    QTemporaryDir dir;
    const QString path = dir.filePath("budget.afbs-session.json");
    {
      MainWindow window;
      window.show_model(toy_model(2, 4));
      auto* panel = window.run_panel();
      panel->findChild<QDoubleSpinBox*>("perplexityBudget")->setValue(0.75);
      panel->findChild<QCheckBox*>("priceAllocation")->setChecked(true);
      QVERIFY(window.save_session(path));
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    file.close();
    QCOMPARE(root["run"].toObject()["perplexity_budget"].toDouble(), 0.0075);

    MainWindow window;
    afbs::engine::EngineOptions seen;
    window.show_model(toy_model(2, 4,
                                [&](const afbs::engine::EngineOptions& options,
                                    afbs::engine::PinSource) -> afbs::ui::TuningJob {
                                  seen = options;
                                  return toy_run;
                                }));
    QVERIFY(window.open_session(path));
    auto* panel = window.run_panel();
    QCOMPARE(panel->perplexity_budget(), 0.0075);
    QVERIFY(panel->findChild<QCheckBox*>("priceAllocation")->isChecked());
    QVERIFY(!panel->findChild<QCheckBox*>("layerSensitivity")->isChecked());
    panel->findChild<QPushButton*>("start")->click();
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run succeeded"), 30000);
    QVERIFY(seen.budget.enabled);
    QCOMPARE(seen.afbs.perplexity_budget, 0.0075);
    QVERIFY(seen.budget.price_allocation);
    QVERIFY(!seen.budget.layer_sensitivity);

    // The same file without the budget's keys, as sessions were written before them.
    QJsonObject run = root["run"].toObject();
    for (const char* key : {"perplexity_budget", "price_allocation", "layer_sensitivity"})
      run.remove(key);
    root["run"] = run;
    const QString old_path = dir.filePath("old.afbs-session.json");
    QFile old_file(old_path);
    QVERIFY(old_file.open(QIODevice::WriteOnly));
    old_file.write(QJsonDocument(root).toJson());
    old_file.close();
    QVERIFY(window.open_session(old_path));
    QCOMPARE(panel->perplexity_budget(), 0.0);
    QVERIFY(!panel->findChild<QCheckBox*>("priceAllocation")->isChecked());

    run["perplexity_budget"] = 0.5;  // 50 %
    root["run"] = run;
    auto refused =
        afbs::ui::session_from_json(QJsonDocument(root).toJson(), QStringLiteral("far.json"));
    QVERIFY(!refused.ok());
    QCOMPARE(QString::fromStdString(refused.error().message),
             QString("far.json: run.perplexity_budget 0.5 is not in [0, 0.2]"));
  }

  // The run panel's block shape is saved with the session (run.blocks); a file from before it
  // runs at the heatmap's shape; a shape the kernels lack is refused, naming the key.
  void the_run_block_shape_round_trips_and_defaults_to_the_heatmaps() {
    SessionDocument session;
    session.blocks = afbs::BlockShape{64, 128};
    session.run.blocks = afbs::BlockShape{128, 64};
    QJsonObject root = QJsonDocument::fromJson(afbs::ui::session_to_json(session)).object();
    QCOMPARE(root["run"].toObject()["blocks"].toString(), QString("128x64"));
    auto read = afbs::ui::session_from_json(QJsonDocument(root).toJson(), "s.json");
    QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
    QCOMPARE(read->run.blocks, (afbs::BlockShape{128, 64}));

    QJsonObject run = root["run"].toObject();
    run.remove("blocks");
    root["run"] = run;
    read = afbs::ui::session_from_json(QJsonDocument(root).toJson(), "s.json");
    QVERIFY(read.ok());
    QCOMPARE(read->run.blocks, (afbs::BlockShape{64, 128}));

    run["blocks"] = "96x64";
    root["run"] = run;
    read = afbs::ui::session_from_json(QJsonDocument(root).toJson(), "s.json");
    QVERIFY(!read.ok());
    QCOMPARE(QString::fromStdString(read.error().message),
             QString("s.json: run.blocks '96x64' is not 64x64, 128x64 or 64x128"));
  }

  // A session written before the peak device memory was kept (an autosave of session 5,
  // its evaluations cut to three): it loads, its quality points measured nothing.
  void a_session_from_before_peak_memory_loads() {
    auto read =
        afbs::ui::read_session(AFBS_TEST_DATA "/session_before_peak_memory.afbs-session.json");
    QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
    QCOMPARE(read->quality.size(), std::size_t{3});
    QCOMPARE(read->quality[1].length_tokens, 512);
    QCOMPARE(read->quality[1].kv_bytes_dense, 28311552.0);
    QCOMPARE(read->runs.size(), std::size_t{1});
    QCOMPARE(read->runs[0].quality.size(), std::size_t{3});
    for (const auto& point : read->quality)
      QVERIFY(!point.peak_device_bytes);
    for (const auto& point : read->runs[0].quality)
      QVERIFY(!point.peak_device_bytes);
    // And written again, it still has no measured value (none is made up).
    QVERIFY(!afbs::ui::session_to_json(*read).contains("peak_device_bytes"));
  }

  void bad_documents_are_refused_naming_the_file() {
    QVERIFY(!afbs::ui::session_from_json("{", "a.json").ok());
    QVERIFY(QString::fromStdString(afbs::ui::session_from_json("{", "a.json").error().message)
                .startsWith("a.json: not JSON"));
    QVERIFY(!afbs::ui::session_from_json(R"({"format":"other"})", "b").ok());
    SessionDocument session;
    session.layers = 2;
    session.heads = 2;
    session.cells.resize(3);  // one short
    auto read = afbs::ui::session_from_json(afbs::ui::session_to_json(session), "c");
    QVERIFY(!read.ok());
    QVERIFY(read.error().message.find("3 head cells for 2 layers") != std::string::npos);
    QVERIFY(!afbs::ui::read_session("/no/such/file.json").ok());
  }

  // Issue 15: a session save whose fsync fails (EIO) keeps the old file and names it.
  void a_failed_save_keeps_the_old_session() {
    QTemporaryDir dir;
    const QString path = dir.filePath("work.afbs-session");
    SessionDocument old;
    old.notes = "old notes";
    QVERIFY(afbs::ui::write_session(old, path).ok());
    SessionDocument changed = old;
    changed.notes = "new notes";
    afbs::Status written;
    {
      afbs::testing::InjectedWriteFault fault(afbs::WriteStep::Fsync, EIO,
                                              QFile::encodeName(path).toStdString());
      written = afbs::ui::write_session(changed, path);
    }
    QVERIFY(!written.ok());
    const QString message = QString::fromStdString(written.error().message);
    QVERIFY2(message.contains(path) && message.contains(std::strerror(EIO)), qPrintable(message));
    auto read = afbs::ui::read_session(path);
    QVERIFY(read.ok());
    QCOMPARE(read->notes, QString("old notes"));
  }

  void save_then_open_restores_everything() {
    QTemporaryDir dir;
    const QString path = dir.filePath("work.afbs-session.json");
    SessionDocument saved;
    {
      MainWindow window;
      fill_with_work(window);
      QVERIFY(window.session_modified());
      QVERIFY(window.save_session(path));
      QVERIFY(!window.session_modified());
      QVERIFY(window.windowTitle().startsWith("work.afbs-session.json"));
      saved = window.capture_session();
    }
    MainWindow window;
    window.show_model(toy_model(2, 4));
    QVERIFY(window.open_session(path));
    QVERIFY(!window.session_modified());
    auto* model = window.heatmap_model();
    QVERIFY(model->cell(0, 1).pinned);
    QCOMPARE(model->cell(1, 3).setting.tau, 0.5);
    QVERIFY(model->cell(1, 3).pinned);
    QVERIFY(!model->cell(1, 3).tuned);  // overridden after the run: not measured at 0.5
    QVERIFY(model->cell(1, 2).tuned);
    QCOMPARE(model->cell(1, 2).error, 0.051);
    QCOMPARE(window.run_panel()->top_length(), 512);
    QCOMPARE(window.quality_chart()->curve("tuned")->count(), 2);
    QCOMPARE(window.quality_chart()->curve("tuned")->points()[1], QPointF(512, 42.25));
    QTRY_VERIFY(window.convergence_chart()->best_series()->count() > 0);
    QCOMPARE(window.capture_session().evaluations.size(), saved.evaluations.size());
    QVERIFY(log_text(window).contains("Run succeeded"));
    QCOMPARE(window.findChild<QPlainTextEdit*>("notes")->toPlainText(),
             QString("head 3 looks odd"));
    QCOMPARE(window.undo_stack()->count(), 0);  // the history starts at the restored state
  }

  void a_session_for_another_model_is_refused_and_changes_nothing() {
    QTemporaryDir dir;
    const QString path = dir.filePath("other.afbs-session.json");
    SessionDocument session;
    session.model_fingerprint = "beef";
    session.layers = 2;
    session.heads = 4;
    session.cells.resize(8);
    session.cells[0].pinned = true;
    QVERIFY(afbs::ui::write_session(session, path).ok());
    MainWindow window;
    window.show_model(toy_model(2, 4));
    QVERIFY(!window.open_session(path));
    QVERIFY(window.message_bar()->isVisibleTo(&window));
    QVERIFY(window.message_bar()->text().contains("made for another model"));
    QVERIFY(!window.heatmap_model()->cell(0, 0).pinned);
  }

  void autosave_keeps_work_across_a_restart() {
    QTemporaryDir dir;
    const QString autosave = dir.filePath("autosave.json");
    {
      MainWindow window;
      window.set_autosave_path(autosave);
      fill_with_work(window);
      QVERIFY(QFile::exists(autosave));  // written when the run finished
      window.heatmap_model()->toggle_pin(0, 2);
      // The edit after the run reaches the file within the autosave delay.
      QTRY_VERIFY_WITH_TIMEOUT(afbs::ui::read_session(autosave)->cells[2].pinned, 10000);
    }  // destroyed without closing: a crash, as far as the session knows
    MainWindow window;
    window.set_autosave_path(autosave);
    QVERIFY(!window.restore_autosave());  // no model open: nothing to restore onto
    window.show_model(toy_model(2, 4));
    QVERIFY(window.restore_autosave());
    QVERIFY(window.heatmap_model()->cell(0, 2).pinned);
    QVERIFY(window.heatmap_model()->cell(0, 1).pinned);
    QCOMPARE(window.heatmap_model()->cell(1, 3).setting.tau, 0.5);
    QVERIFY(window.session_modified());  // never saved to a file: still unsaved work
    QVERIFY(log_text(window).contains("Restored the session"));

    MainWindow other_model;
    other_model.set_autosave_path(autosave);
    auto model = toy_model(2, 4);
    model.identity.fingerprint = "beef";
    other_model.show_model(model);
    QVERIFY(!other_model.restore_autosave());
    QVERIFY(!other_model.heatmap_model()->cell(0, 2).pinned);
  }

  void closing_with_unsaved_work_asks_first() {
    QTemporaryDir dir;
    const QString autosave = dir.filePath("autosave.json");
    MainWindow window;
    window.set_autosave_path(autosave);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.show_model(toy_model(2, 4));
    window.heatmap_model()->toggle_pin(1, 1);
    QVERIFY(window.session_modified());
    {
      ModalAnswer answer(QMessageBox::Cancel);
      QVERIFY(!window.close());
      QVERIFY(answer.shown());
      QVERIFY(window.isVisible());
    }
    // Save with a session file already chosen: no file dialog, the file is written.
    const QString path = dir.filePath("kept.afbs-session.json");
    QVERIFY(window.save_session(path));
    window.heatmap_model()->toggle_pin(1, 2);
    {
      ModalAnswer answer(QMessageBox::Save);
      QVERIFY(window.close());
      QVERIFY(answer.shown());
    }
    QVERIFY(afbs::ui::read_session(path)->cells[6].pinned);  // layer 1 head 2
    QVERIFY(QFile::exists(autosave));                        // kept: the next start restores it
  }

  void discarding_at_close_forgets_the_autosave_and_clean_windows_close_silently() {
    QTemporaryDir dir;
    const QString autosave = dir.filePath("autosave.json");
    {
      MainWindow window;
      window.set_autosave_path(autosave);
      window.show();
      window.show_model(toy_model(2, 4));
      window.heatmap_model()->toggle_pin(0, 0);
      QVERIFY(window.autosave_now());
      ModalAnswer answer(QMessageBox::Discard);
      QVERIFY(window.close());
      QVERIFY(answer.shown());
      QVERIFY(!QFile::exists(autosave));
    }
    MainWindow window;
    window.show();
    window.show_model(toy_model(2, 4));
    QVERIFY(!window.session_modified());
    ModalAnswer answer(QMessageBox::Cancel);
    QVERIFY(window.close());
    QTest::qWait(50);
    QVERIFY(!answer.shown());
  }

  void closing_during_a_run_cancels_it_without_waiting_for_its_end() {
    QElapsedTimer clock;
    {
      MainWindow window;
      window.show();
      // A job that would run for ever, checking the flags between evaluations.
      window.show_model(toy_model(1, 2,
                                  jobs_running([](afbs::engine::TuningObserver& observer,
                                                  afbs::engine::RunControl control) {
                                    return run_numbered_job(observer, control, -1);
                                  })));
      window.run_panel()->findChild<QPushButton*>("start")->click();
      QTRY_VERIFY(window.capture_session().evaluations.size() > 10);
      ModalAnswer answer(QMessageBox::Discard);
      clock.start();
      QVERIFY(window.close());
      QVERIFY(answer.shown());
      QVERIFY(log_text(window).contains("Closing: cancelling the run."));
    }  // the destructor waits for the worker thread
    QVERIFY2(clock.elapsed() < 3000, qPrintable(QString::number(clock.elapsed())));
  }

  void the_window_fits_a_small_screen() {
    MainWindow window;
    window.show_model(toy_model(6, 8));
    window.show();
    // At 2 × scale (QT_SCALE_FACTOR=2) a 1366 × 768 screen is 683 × 384 logical pixels; less a
    // panel and the title bar. The views scroll inside the window instead of growing it.
    const QSize needed = window.minimumSizeHint();
    QVERIFY2(needed.width() <= 683 && needed.height() <= 330,
             qPrintable(QString("%1 × %2").arg(needed.width()).arg(needed.height())));
    window.resize(683, 330);
    QCOMPARE(window.size(), QSize(683, 330));
    // At 1 × on the same screen the views need no scrolling.
    window.resize(1366, 700);
    window.tabs()->setCurrentWidget(window.heatmap_tab());
    auto* page = qobject_cast<QScrollArea*>(window.heatmap_tab());
    QVERIFY(page != nullptr);
    QTRY_VERIFY(!page->horizontalScrollBar()->isVisible());
    QVERIFY(!page->verticalScrollBar()->isVisible());
    // The inspector's Block mask tab too (its legend once widened the inspector).
    auto* inspector_tabs = window.findChild<QTabWidget*>("inspectorTabs");
    QVERIFY(inspector_tabs != nullptr);
    inspector_tabs->setCurrentIndex(1);
    QCOMPARE(inspector_tabs->tabText(1), QString("Block mask"));
    QCoreApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
    QVERIFY(!page->horizontalScrollBar()->isVisible());
    QVERIFY(!page->verticalScrollBar()->isVisible());
  }

  void settings_keep_recent_models_and_sessions_and_the_layout() {
    QTemporaryDir dir;
    const QString ini = dir.filePath("settings.ini");
    {
      MainWindow window;
      window.set_settings(new QSettings(ini, QSettings::IniFormat));
      window.show_model(toy_model(2, 4, {}, "/models/a"));
      window.show_model(toy_model(2, 4, {}, "/models/b"));
      window.show_model(toy_model(2, 4, {}, "/models/a"));
      QVERIFY(window.save_session(dir.filePath("s.afbs-session.json")));
      window.resize(900, 640);
      window.show();
      QVERIFY(window.close());
    }
    MainWindow window;
    window.set_settings(new QSettings(ini, QSettings::IniFormat));
    QCOMPARE(window.recent_models(), QStringList({"/models/a", "/models/b"}));
    QCOMPARE(window.recent_sessions(), QStringList({dir.filePath("s.afbs-session.json")}));
    QCOMPARE(window.size(), QSize(900, 640));
    auto* menu = window.findChild<QMenu*>("recentModelsMenu");
    QCOMPARE(menu->actions().size(), 2);
    QCOMPARE(menu->actions().front()->text(), QString("/models/a"));
  }
};

QTEST_MAIN(TestWorkbenchSession)
#include "tst_workbench_session.moc"
