#include <QAction>
#include <QChart>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScatterSeries>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QValueAxis>
#include <QXYSeries>
#include <QtTest>
#include <atomic>

#include "core/io/config_file.h"
#include "tests/ui/fake_tuning_job.h"
#include "ui/convergence_chart.h"
#include "ui/frontier_chart.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/progress_indicator.h"
#include "ui/quality_chart.h"
#include "ui/run_controller.h"
#include "ui/run_panel.h"
#include "ui/sparsity_heatmap.h"

using afbs::ui::MainWindow;

namespace {

QString log_text(const MainWindow& window) {
  return window.findChild<QPlainTextEdit*>("log")->toPlainText();
}

QAction* find_action(const MainWindow& window, const QString& name) {
  return window.findChild<QAction*>(name);
}

// A job factory that records the options each run was started with (and counts the runs);
// its job succeeds at once.
afbs::ui::TuningJobFactory recording_factory(afbs::engine::EngineOptions& seen,
                                             int* jobs = nullptr) {
  return [&seen, jobs](const afbs::engine::EngineOptions& options,
                       afbs::engine::PinSource) -> afbs::ui::TuningJob {
    seen = options;
    if (jobs) ++*jobs;
    return [](afbs::engine::TuningObserver&, afbs::engine::RunControl) {
      afbs::engine::RunResult result;
      result.status = afbs::engine::RunStatus::Succeeded;
      return result;
    };
  };
}

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void starts_shows_tabs_and_closes() {
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QStringList titles;
    for (int i = 0; i < window.tabs()->count(); ++i)
      titles << window.tabs()->tabText(i);
    QCOMPARE(titles, QStringList({"Convergence", "Heatmap", "Quality", "Runs", "Log", "Notes"}));
    QVERIFY(window.close());
    QVERIFY(!window.isVisible());
  }

  void run_panel_reports_targets_and_start() {
    MainWindow window;
    auto* panel = window.run_panel();
    QCOMPARE(panel->l1_target(), 0.05);
    QCOMPARE(panel->pv_l1_target(), 0.06);
    panel->findChild<QDoubleSpinBox*>("l1Target")->setValue(0.03);
    QCOMPARE(panel->l1_target(), 0.03);
    QSignalSpy started(panel, &afbs::ui::RunPanel::start_requested);
    panel->findChild<QPushButton*>("start")->click();
    QCOMPARE(started.count(), 1);
  }

  void run_panel_chooses_top_length_and_layers() {
    MainWindow window;
    auto* panel = window.run_panel();
    panel->set_model_limits(6, 4096);
    panel->set_top_length(2048);
    QVERIFY(panel->layers().empty());  // every layer
    auto* first = panel->findChild<QSpinBox*>("firstLayer");
    auto* last = panel->findChild<QSpinBox*>("lastLayer");
    QCOMPARE(last->maximum(), 5);
    last->setValue(4);
    first->setValue(5);  // past the last: the range follows
    QCOMPARE(last->value(), 5);
    first->setValue(3);
    QCOMPARE(panel->layers(), (std::vector<int>{3, 4, 5}));
    panel->findChild<QSpinBox*>("topLength")->setValue(8192);  // over the context
    QCOMPARE(panel->top_length(), 4096);
    panel->set_top_length(1024);

    afbs::engine::EngineOptions seen;
    window.set_job_factory(recording_factory(seen));
    panel->findChild<QPushButton*>("start")->click();
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run succeeded"), 30000);
    QCOMPARE(seen.fidelity_lengths, (std::vector<int>{256, 512, 1024}));
    QCOMPARE(seen.layers, (std::vector<int>{3, 4, 5}));
  }

  void configs_save_open_undo_and_export() {
    QTemporaryDir dir;
    MainWindow window;
    const QString saved = dir.filePath("cfg.json");
    QVERIFY(!window.save_config(saved));  // no model yet
    QVERIFY(log_text(window).contains("No model is loaded"));

    const afbs::ModelIdentity model{"toy", "f00d", 2, 4, 2, 64};
    window.set_model_identity(model);
    window.heatmap_model()->set_dimensions(2, 4);
    afbs::engine::LayerResult tuned;
    tuned.layer = 1;
    for (int head = 0; head < 4; ++head) {
      afbs::engine::HeadResult result;
      result.head = head;
      result.setting = afbs::HeadSetting{-0.5, 0.9 + 0.01 * head, 20.0};
      result.sparse = true;
      result.measured = true;
      result.sparsity = 0.4;
      result.error = 0.03;
      tuned.heads.push_back(result);
    }
    window.heatmap_model()->apply_layer_result(tuned);
    window.heatmap_model()->toggle_pin(0, 2);
    QVERIFY(window.save_config(saved));

    auto read = afbs::read_config(saved.toStdString());
    QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
    QCOMPARE(read->model.fingerprint, std::string("f00d"));
    QCOMPARE(read->layers[1][3].tau, 0.93);
    QCOMPARE(read->layers[1][3].sparsity.value(), 0.4);
    QVERIFY(read->layers[0][2].pinned);
    QVERIFY(!read->layers[0][1].sparsity.has_value());  // never tuned

    // Open it into a changed heatmap: every cell comes back, and one undo reverts the lot.
    window.heatmap_model()->set_dimensions(2, 4);
    QVERIFY(window.open_config(saved));
    QCOMPARE(window.heatmap_model()->cell(1, 3).setting.tau, 0.93);
    QVERIFY(window.heatmap_model()->cell(0, 2).pinned);
    QVERIFY(window.heatmap_model()->cell(1, 0).tuned);
    window.undo_stack()->undo();
    QCOMPARE(window.heatmap_model()->cell(1, 3).setting.tau, 0.98);
    QVERIFY(!window.heatmap_model()->cell(0, 2).pinned);

    // A config for another model is refused, naming the file; the heatmap stays as it was.
    afbs::SparseConfig other = *read;
    other.model.fingerprint = "beef";
    const QString foreign = dir.filePath("other.json");
    QVERIFY(afbs::write_config(other, foreign.toStdString()).ok());
    QVERIFY(!window.open_config(foreign));
    QVERIFY(log_text(window).contains("Not opened: " + foreign));
    QCOMPARE(window.heatmap_model()->cell(1, 3).setting.tau, 0.98);
    QVERIFY(!window.open_config(dir.filePath("missing.json")));

    // Export goes through the writer the app supplies, with the same config.
    QVERIFY(!window.export_spargeattn(dir.filePath("cfg.pt")));  // none supplied
    afbs::SparseConfig exported;
    window.set_spargeattn_writer(
        [&](const afbs::SparseConfig& config, const std::filesystem::path&) -> afbs::Status {
          exported = config;
          return {};
        });
    QVERIFY(window.export_spargeattn(dir.filePath("cfg.pt")));
    QCOMPARE(exported.layers.size(), std::size_t{2});
    QCOMPARE(exported.model.name, std::string("toy"));
    window.set_spargeattn_writer([](const afbs::SparseConfig&, const std::filesystem::path&) {
      return afbs::Status(afbs::Error{"disk full"});
    });
    QVERIFY(!window.export_spargeattn(dir.filePath("cfg.pt")));
    QVERIFY(log_text(window).contains("Not exported: disk full"));
  }

  // A config tuned for 128x64 blocks (afbs-tune tune --blocks 128x64): opening it makes runs
  // tune for 128x64 too, and saving writes 128x64, not the default; undo puts 64x64 back.
  void an_opened_configs_block_shape_is_kept() {
    QTemporaryDir dir;
    MainWindow window;
    const afbs::ModelIdentity model{"toy", "f00d", 2, 4, 2, 64};
    window.set_model_identity(model);
    window.heatmap_model()->set_dimensions(2, 4);
    afbs::SparseConfig wide = afbs::SparseConfig::uniform(model, afbs::HeadConfig{});
    wide.blocks = afbs::BlockShape{128, 64};
    const QString opened = dir.filePath("wide.json");
    QVERIFY(afbs::write_config(wide, opened.toStdString()).ok());
    QVERIFY(window.open_config(opened));
    QVERIFY(log_text(window).contains("128x64 blocks"));

    const QString saved = dir.filePath("saved.json");
    QVERIFY(window.save_config(saved));
    auto read = afbs::read_config(saved.toStdString());
    QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
    QCOMPARE(read->blocks, (afbs::BlockShape{128, 64}));
    // The shape is part of the open's undo step: undone, the heatmap's thresholds are 64x64 again.
    window.undo_stack()->undo();
    QVERIFY(window.save_config(saved));
    QCOMPARE(afbs::read_config(saved.toStdString())->blocks, afbs::BlockShape{});
    window.undo_stack()->redo();

    afbs::engine::EngineOptions seen;
    window.set_job_factory(recording_factory(seen));
    window.run_panel()->findChild<QPushButton*>("start")->click();
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run succeeded"), 30000);
    QCOMPARE(seen.blocks, (afbs::BlockShape{128, 64}));
  }

  // The run panel's Blocks: a run at another shape than the heatmap's is refused while a head
  // is pinned, while selected heads are re-tuned, or while a layer outside the run holds tuned
  // thresholds; otherwise the heatmap starts over at the new shape and the run tunes for it.
  // Opening a config sets Blocks to the config's shape.
  void a_run_at_another_block_shape_starts_the_heatmap_over() {
    QTemporaryDir dir;
    MainWindow window;
    const afbs::ModelIdentity model{"toy", "f00d", 2, 4, 2, 64};
    window.set_model_identity(model);
    auto* heatmap = window.heatmap_model();
    heatmap->set_dimensions(2, 4);
    auto* panel = window.run_panel();
    panel->set_model_limits(2, 4096);
    auto* blocks = panel->findChild<QComboBox*>("blockShape");
    QVERIFY(blocks);
    QCOMPARE(panel->blocks(), afbs::BlockShape{});
    afbs::engine::EngineOptions seen;
    int jobs = 0;
    window.set_job_factory(recording_factory(seen, &jobs));
    afbs::engine::LayerResult tuned;
    tuned.layer = 1;
    for (int head = 0; head < 4; ++head) {
      afbs::engine::HeadResult result;
      result.head = head;
      result.setting = {0.2, 0.9, 10.0};
      result.sparse = true;
      result.sparsity = 0.5;
      tuned.heads.push_back(result);
    }
    heatmap->apply_layer_result(tuned);
    heatmap->toggle_pin(1, 2);
    blocks->setCurrentIndex(blocks->findData("128x64"));
    QCOMPARE(panel->blocks(), (afbs::BlockShape{128, 64}));
    auto* start = panel->findChild<QPushButton*>("start");
    start->click();
    QVERIFY(log_text(window).contains("1 pinned head(s) hold 64 × 64 thresholds"));
    heatmap->toggle_pin(1, 2);
    panel->findChild<QSpinBox*>("lastLayer")->setValue(0);  // layer 1 stays tuned outside
    start->click();
    QVERIFY(log_text(window).contains("layers outside this run hold tuned 64 × 64 thresholds"));
    QCOMPARE(jobs, 0);
    QCOMPARE(heatmap->blocks(), afbs::BlockShape{});
    QVERIFY(heatmap->cell(1, 0).tuned);

    panel->findChild<QSpinBox*>("lastLayer")->setValue(1);
    start->click();
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run succeeded"), 30000);
    QCOMPARE(jobs, 1);
    QCOMPARE(seen.blocks, (afbs::BlockShape{128, 64}));
    QCOMPARE(heatmap->blocks(), (afbs::BlockShape{128, 64}));
    QVERIFY(!heatmap->cell(1, 0).tuned);  // cleared: its thresholds were for 64 x 64
    QVERIFY(log_text(window).contains("thresholds are cleared"));

    // A config for 64 x 64 blocks sets Blocks back.
    const QString opened = dir.filePath("square.json");
    QVERIFY(afbs::write_config(afbs::SparseConfig::uniform(model, afbs::HeadConfig{}),
                               opened.toStdString())
                .ok());
    QVERIFY(window.open_config(opened));
    QCOMPARE(panel->blocks(), afbs::BlockShape{});
  }

  void static_runs_measure_the_chosen_preset() {
    MainWindow window;
    auto* panel = window.run_panel();
    auto* preset = panel->findChild<QComboBox*>("preset");
    QVERIFY(!preset->isEnabled());  // only for static runs
    panel->findChild<QComboBox*>("method")->setCurrentText("static");
    QVERIFY(preset->isEnabled());
    afbs::engine::EngineOptions seen;
    int jobs = 0;
    window.set_job_factory(recording_factory(seen, &jobs));
    preset->setEditText("window:0");  // not a window
    panel->findChild<QPushButton*>("start")->click();
    QVERIFY(log_text(window).contains("Not started: preset 'window:0'"));
    QCOMPARE(jobs, 0);
    preset->setEditText("topk:0.3");
    panel->findChild<QPushButton*>("start")->click();
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run succeeded"), 30000);
    QCOMPARE(jobs, 1);
    QVERIFY(seen.method == afbs::engine::TuningMethod::Static);
    QVERIFY(seen.static_setting.rule == afbs::SelectionRule::top_fraction);
    QCOMPARE(seen.static_setting.rule_parameter, 0.3);
    QVERIFY(log_text(window).contains("Starting static topk:0.3"));
  }

  void budget_runs_reach_the_engine_and_the_frontier() {
    MainWindow window;
    auto* panel = window.run_panel();
    auto* budget = panel->findChild<QDoubleSpinBox*>("perplexityBudget");
    auto* price = panel->findChild<QCheckBox*>("priceAllocation");
    auto* sensitivity = panel->findChild<QCheckBox*>("layerSensitivity");
    auto* problem = panel->findChild<QLabel*>("budgetProblem");
    QVERIFY(budget && price && sensitivity && problem);
    QCOMPARE(panel->perplexity_budget(), 0.0);  // off unless asked
    // The allocations mean something only with a budget, as afbs-tune says.
    QVERIFY(!price->isEnabled() && !sensitivity->isEnabled());
    budget->setValue(1.5);
    QVERIFY(price->isEnabled() && sensitivity->isEnabled());
    sensitivity->setChecked(true);
    QVERIFY(problem->isHidden());
    afbs::engine::EngineOptions seen;
    int jobs = 0;
    window.set_job_factory([&](const afbs::engine::EngineOptions& options,
                               afbs::engine::PinSource) -> afbs::ui::TuningJob {
      seen = options;
      ++jobs;
      return [](afbs::engine::TuningObserver&, afbs::engine::RunControl) {
        afbs::engine::RunResult result;
        result.status = afbs::engine::RunStatus::Succeeded;
        result.perplexity_dense = 40.0;
        result.perplexity_tuned = 40.3;
        result.epsilon_multiplier = 2.0;
        result.target_error = 0.1;
        result.pv_target_error = 0.12;
        afbs::engine::BudgetProbe probe;
        probe.rise = 0.02;
        probe.mean_sparsity = 0.5;
        result.budget_probes = {probe};
        result.budget_layer_choices = {"dense", "window:128"};
        return result;
      };
    });
    // A budget with another method: said under the field at once, and the run refused.
    panel->findChild<QComboBox*>("method")->setCurrentText("grid");
    QVERIFY(!problem->isHidden());
    QVERIFY2(problem->text().contains("for afbs-bo only"), qPrintable(problem->text()));
    QVERIFY(!price->isEnabled() && !sensitivity->isEnabled());  // nothing to allocate
    panel->findChild<QPushButton*>("start")->click();
    QVERIFY(log_text(window).contains("Not started: A perplexity budget is for afbs-bo only"));
    QCOMPARE(jobs, 0);
    panel->findChild<QComboBox*>("method")->setCurrentText("afbs-bo");
    QVERIFY(problem->isHidden());
    QVERIFY(price->isEnabled() && sensitivity->isEnabled());
    panel->findChild<QPushButton*>("start")->click();
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run succeeded"), 30000);
    QCOMPARE(jobs, 1);
    QVERIFY(seen.budget.enabled);
    QVERIFY(seen.budget.layer_sensitivity);
    QVERIFY(!seen.budget.price_allocation);
    QVERIFY(log_text(window).contains(
        "perplexity budget 1.5 %, trying equal targets + layer sensitivity"));
    QCOMPARE(seen.afbs.perplexity_budget, 0.015);
    // What it chose, in afbs-tune's words.
    QVERIFY2(log_text(window).contains("Budget 1.5 % rise: ε × 2 (ε1 0.1, ε2 0.12), 1 probes; "
                                       "perplexity 40.0000 dense, 40.3000 tuned (+0.750 %)"),
             qPrintable(log_text(window)));
    QVERIFY(
        log_text(window).contains("Allocation: sensitivity (layer settings dense, window:128)"));
    QTRY_VERIFY(window.frontier_chart()->series("afbs-bo budget") != nullptr);
    QCOMPARE(window.frontier_chart()->series("afbs-bo budget")->at(0).x(),
             100.0 * (40.3 / 40.0 - 1.0));
    QCOMPARE(window.frontier_chart()->series(afbs::ui::FrontierChart::probes_name())->count(), 1);
  }

  void start_without_a_model_says_so() {
    MainWindow window;
    window.run_panel()->findChild<QPushButton*>("start")->click();
    QVERIFY(log_text(window).contains("No model is loaded"));
    QVERIFY(!window.run_controller()->running());
  }

  void a_run_fills_the_views_and_reads_pins() {
    MainWindow window;
    window.heatmap_model()->set_dimensions(2, 4);
    window.heatmap_model()->toggle_pin(1, 2);
    std::atomic<int> pins_seen{-1};
    double target_seen = 0.0;
    window.set_job_factory([&](const afbs::engine::EngineOptions& options,
                               afbs::engine::PinSource pins) -> afbs::ui::TuningJob {
      target_seen = options.target_error;
      return [&, pins](afbs::engine::TuningObserver& observer, afbs::engine::RunControl control) {
        pins_seen = int(pins(1).size());  // read on the worker thread, as the engine does
        observer.on_log("fake layer 1 started");
        auto result = afbs::ui::testing::run_numbered_job(observer, control, 50);
        afbs::engine::LayerResult layer;
        layer.layer = 1;
        for (int head = 0; head < 4; ++head) {
          afbs::engine::HeadResult tuned;
          tuned.head = head;
          tuned.sparsity = 0.8;
          layer.heads.push_back(tuned);
        }
        observer.on_layer_finished(layer);
        afbs::engine::Progress progress;
        progress.layers_done = 1;
        progress.layers_total = 2;
        progress.fraction = 0.5;
        progress.eta_seconds = 90.0;
        observer.on_progress(progress);
        return result;
      };
    });
    window.run_panel()->findChild<QDoubleSpinBox*>("l1Target")->setValue(0.04);
    window.run_panel()->findChild<QPushButton*>("start")->click();
    QVERIFY(window.run_controller()->running());
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run succeeded"), 30000);
    QCOMPARE(target_seen, 0.04);
    QCOMPARE(pins_seen.load(), 1);
    QVERIFY(log_text(window).contains("fake layer 1 started"));
    QVERIFY(window.heatmap_model()->cell(1, 0).tuned);
    QVERIFY(!window.heatmap_model()->cell(1, 2).tuned);  // pinned: the result did not touch it
    QCOMPARE(window.progress_indicator()->permille(), 500);
    QCOMPARE(window.progress_indicator()->text(), QString("Run succeeded"));
    afbs::engine::Progress later;
    later.layers_done = 1;
    later.layers_total = 2;
    later.counts.evaluations = 321;
    later.elapsed_seconds = 3725.0;
    later.eta_seconds = 90.0;
    window.progress_indicator()->show_progress(later);
    QCOMPARE(window.progress_indicator()->text(),
             QString("Layer 2/2 · 321 evaluations · 1 h 02 min · ETA 1 min 30 s"));
    QTRY_COMPARE(window.convergence_chart()->best_series()->count() > 0, true);
    QVERIFY(!window.run_controller()->running());
  }

  void quality_points_fill_the_quality_tab() {
    MainWindow window;
    window.set_job_factory(
        [](const afbs::engine::EngineOptions&, afbs::engine::PinSource) -> afbs::ui::TuningJob {
          return [](afbs::engine::TuningObserver& observer, afbs::engine::RunControl) {
            for (int length : {1024, 256, 512}) {  // any order: the charts sort by length
              afbs::engine::QualityPoint point;
              point.length_tokens = length;
              point.perplexity_dense = 50.0 + length / 256.0;
              point.perplexity_tuned = point.perplexity_dense + 0.5;
              point.sparsity_tuned = 0.25;
              point.kv_bytes_dense = length * 1024.0 * 1024.0;
              point.kv_bytes_tuned = 0.75 * point.kv_bytes_dense;
              observer.on_quality(point);
            }
            afbs::engine::RunResult result;
            result.status = afbs::engine::RunStatus::Succeeded;
            return result;
          };
        });
    window.run_panel()->findChild<QPushButton*>("start")->click();
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run succeeded"), 30000);
    QTRY_VERIFY(window.quality_chart()->curve("tuned") != nullptr);
    QTRY_COMPARE(window.quality_chart()->curve("tuned")->count(), 3);
    const QList<QPointF> tuned = window.quality_chart()->curve("tuned")->points();
    QCOMPARE(tuned.front(), QPointF(256, 51.5));
    QCOMPARE(tuned.back(), QPointF(1024, 54.5));
    const QList<QPointF> traffic = window.traffic_chart()->curve("tuned (computed)")->points();
    QCOMPARE(traffic.size(), 3);
    QCOMPARE(traffic[1], QPointF(512, 0.75 * 512));  // MiB
    QCOMPARE(window.traffic_chart()->curve("dense (computed)")->points()[1], QPointF(512, 512.0));
    // Nothing measured the device (the CPU): the chart says so and draws no measured line.
    QVERIFY(window.traffic_chart()->chart()->title().contains("measured on a GPU only"));
    QVERIFY(window.traffic_chart()->curve("peak (measured)") == nullptr);
    QVERIFY(!window.traffic_chart()->right_axis()->isVisible());
    QVERIFY(log_text(window).contains("Quality at 512 tokens"));
    // Without a guard measurement the frontier takes the top length's perplexities.
    QTRY_VERIFY(window.frontier_chart()->series("afbs-bo") != nullptr);
    QCOMPARE(window.frontier_chart()->series("afbs-bo")->at(0).x(), 100.0 * (54.5 / 54.0 - 1.0));
    // A new run starts without its own curves.
    window.set_job_factory(
        [](const afbs::engine::EngineOptions&, afbs::engine::PinSource) -> afbs::ui::TuningJob {
          return [](afbs::engine::TuningObserver&, afbs::engine::RunControl) {
            afbs::engine::RunResult result;
            result.status = afbs::engine::RunStatus::Cancelled;
            return result;
          };
        });
    window.run_panel()->findChild<QPushButton*>("start")->click();
    QTRY_VERIFY_WITH_TIMEOUT(log_text(window).contains("Run cancelled"), 30000);
    QVERIFY(window.quality_chart()->curve("tuned") == nullptr);
    // The run before stays for comparison, its tuned perplexity as "previous run".
    QVERIFY(window.quality_chart()->curve("previous run") != nullptr);
    QCOMPARE(window.quality_chart()->curve("previous run")->points().back(), QPointF(1024, 54.5));
    QCOMPARE(window.traffic_chart()->curve("previous run (computed)")->count(), 3);
  }

  void heatmap_edits_in_place_go_through_the_undo_stack() {
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.tabs()->setCurrentWidget(window.heatmap_tab());
    auto* model = window.heatmap_model();
    model->set_dimensions(3, 4);
    auto* quantity = window.heatmap()->findChild<QComboBox*>("heatmapQuantity");
    quantity->setCurrentIndex(quantity->findData(int(afbs::ui::HeatQuantity::Tau)));
    QCOMPARE(model->quantity(), afbs::ui::HeatQuantity::Tau);

    QTableView* table = window.heatmap()->table();
    const QModelIndex cell = model->index(1, 2);
    table->setCurrentIndex(cell);
    table->edit(cell);
    auto* editor = table->viewport()->findChild<QLineEdit*>("overrideEditor");
    QVERIFY(editor != nullptr);
    QVERIFY(editor->toolTip().contains("from 0 to 1"));  // τ's range
    editor->selectAll();
    QTest::keyClicks(editor, "0.42");
    QTest::keyClick(editor, Qt::Key_Return);
    QTRY_COMPARE(model->cell(1, 2).setting.tau, 0.42);  // the delegate commits queued
    QVERIFY(model->cell(1, 2).pinned);
    QCOMPARE(window.undo_stack()->count(), 1);

    table->setFocus();
    table->setCurrentIndex(model->index(2, 0));
    QTest::keyClick(table, Qt::Key_Space);  // space pins the current head
    QVERIFY(model->cell(2, 0).pinned);
    QCOMPARE(window.undo_stack()->count(), 2);
    window.undo_stack()->undo();
    window.undo_stack()->undo();
    QCOMPARE(model->cell(1, 2).setting.tau, afbs::engine::HeadSetting{}.tau);
    QVERIFY(!model->cell(1, 2).pinned);
    QVERIFY(!model->cell(2, 0).pinned);
  }

  void edit_menu_undoes_heatmap_edits() {
    MainWindow window;
    window.heatmap_model()->set_dimensions(1, 2);
    QAction* undo = find_action(window, "undoAction");
    QAction* redo = find_action(window, "redoAction");
    QVERIFY(undo != nullptr && redo != nullptr);
    QVERIFY(!undo->isEnabled());
    window.heatmap_model()->toggle_pin(0, 1);
    QVERIFY(undo->isEnabled());
    undo->trigger();
    QVERIFY(!window.heatmap_model()->cell(0, 1).pinned);
    redo->trigger();
    QVERIFY(window.heatmap_model()->cell(0, 1).pinned);
  }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
