#include "ui/main_window.h"

#include <QDockWidget>
#include <QFileDialog>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QStatusBar>
#include <QTabWidget>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>

#include "core/attention/sparse_preset.h"
#include "core/io/config_file.h"
#include "ui/config_exchange.h"
#include "ui/convergence_chart.h"
#include "ui/frontier_chart.h"
#include "ui/heatmap_model.h"
#include "ui/model_panel.h"
#include "ui/progress_indicator.h"
#include "ui/quality_chart.h"
#include "ui/run_controller.h"
#include "ui/run_panel.h"
#include "ui/sparsity_heatmap.h"
#include "ui/tuning_worker.h"

namespace afbs::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setWindowTitle(tr("AFBS Workbench"));
  resize(1200, 760);

  auto* side = new QWidget(this);
  auto* side_layout = new QVBoxLayout(side);
  model_panel_ = new ModelPanel(side);
  run_panel_ = new RunPanel(side);
  side_layout->addWidget(model_panel_);
  side_layout->addWidget(run_panel_);
  side_layout->addStretch();
  auto* dock = new QDockWidget(tr("Session"), this);
  dock->setObjectName("sessionDock");
  dock->setFeatures(QDockWidget::DockWidgetMovable);
  dock->setWidget(side);
  addDockWidget(Qt::LeftDockWidgetArea, dock);

  undo_stack_ = new QUndoStack(this);
  heatmap_model_ = new HeatmapModel(undo_stack_, this);
  tabs_ = new QTabWidget(this);
  convergence_ = new ConvergenceChart(tabs_);
  heatmap_ = new SparsityHeatmap(heatmap_model_, tabs_);
  auto* quality_tab = new QWidget(tabs_);
  auto* quality_layout = new QVBoxLayout(quality_tab);
  quality_ = new QualityChart(quality_tab);
  traffic_ = new QualityChart(tr("K/V MiB read per window (computed)"), tr("K/V MiB"), quality_tab);
  frontier_ = new FrontierChart(quality_tab);
  frontier_->setObjectName("frontierChart");
  quality_layout->addWidget(quality_);
  quality_layout->addWidget(traffic_);
  quality_layout->addWidget(frontier_);
  log_ = new QPlainTextEdit(tabs_);
  log_->setReadOnly(true);
  log_->setMaximumBlockCount(20000);  // a long run must not grow the log without bound
  tabs_->addTab(convergence_, tr("Convergence"));
  tabs_->addTab(heatmap_, tr("Heatmap"));
  tabs_->addTab(quality_tab, tr("Quality"));
  tabs_->addTab(log_, tr("Log"));
  setCentralWidget(tabs_);

  progress_ = new ProgressIndicator(this);
  statusBar()->addPermanentWidget(progress_);

  run_controller_ = new RunController(this);
  create_menus();
  connect_run();
}

MainWindow::~MainWindow() {
  // The job reads pins from the heatmap model: stop it before any view is destroyed.
  delete run_controller_;
}

void MainWindow::append_log(const QString& line) {
  log_->appendPlainText(line);
}

void MainWindow::create_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open config…"), this, [this] {
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open config"), {}, tr("AFBS configs (*.json)"));
    if (!path.isEmpty()) open_config(path);
  });
  open->setShortcut(QKeySequence::Open);
  open->setObjectName("openConfigAction");
  QAction* save = file->addAction(tr("&Save config…"), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save config"), "config.json",
                                                      tr("AFBS configs (*.json)"));
    if (!path.isEmpty()) save_config(path);
  });
  save->setShortcut(QKeySequence::Save);
  save->setObjectName("saveConfigAction");
  QAction* export_pt = file->addAction(tr("&Export for SpargeAttn…"), this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export for SpargeAttn"),
                                                      "config.pt", tr("torch.save files (*.pt)"));
    if (!path.isEmpty()) export_spargeattn(path);
  });
  export_pt->setObjectName("exportSpargeAttnAction");

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = undo_stack_->createUndoAction(this, tr("&Undo"));
  undo->setShortcut(QKeySequence::Undo);
  undo->setObjectName("undoAction");
  QAction* redo = undo_stack_->createRedoAction(this, tr("&Redo"));
  redo->setShortcut(QKeySequence::Redo);
  redo->setObjectName("redoAction");
  edit->addAction(undo);
  edit->addAction(redo);
}

void MainWindow::connect_run() {
  TuningWorker* worker = run_controller_->worker();
  connect(worker, &TuningWorker::evaluation, convergence_, &ConvergenceChart::add_record);
  connect(worker, &TuningWorker::layer_finished, heatmap_model_, &HeatmapModel::apply_layer_result);
  connect(worker, &TuningWorker::progress, progress_, &ProgressIndicator::show_progress);
  connect(worker, &TuningWorker::log_line, this, &MainWindow::append_log);
  connect(worker, &TuningWorker::finished, this, &MainWindow::finish_run);
  connect(worker, &TuningWorker::quality, this, &MainWindow::add_quality_point);
  connect(run_controller_, &RunController::running_changed, run_panel_, &RunPanel::set_running);
  connect(run_controller_, &RunController::paused_changed, run_panel_, &RunPanel::set_paused);
  connect(run_panel_, &RunPanel::start_requested, this, &MainWindow::start_run);
  connect(run_panel_, &RunPanel::pause_requested, this,
          [this] { run_controller_->set_paused(!run_controller_->paused()); });
  connect(run_panel_, &RunPanel::cancel_requested, this, [this] {
    run_controller_->cancel();
    append_log(tr("Cancelling after the current evaluation…"));
  });
  // A clicked head's detail is its convergence; stop following the run so it stays shown.
  connect(heatmap_, &SparsityHeatmap::head_activated, convergence_, [this](int layer, int head) {
    convergence_->set_follow_run(false);
    convergence_->select(layer, head);
  });
}

void MainWindow::start_run() {
  if (run_controller_->running()) return;
  engine::EngineOptions options;
  options.target_error = run_panel_->l1_target();
  options.pv_target_error = run_panel_->pv_l1_target();
  options.method = engine::parse_method(run_panel_->method().toStdString())
                       .value_or(engine::TuningMethod::AfbsBo);
  if (options.method == engine::TuningMethod::Static) {
    auto setting = preset_head_setting(run_panel_->preset().toStdString());
    if (!setting) {
      append_log(tr("Not started: %1").arg(QString::fromStdString(setting.error().message)));
      tabs_->setCurrentWidget(log_);
      return;
    }
    options.static_setting = *setting;
  }
  if (const double budget = run_panel_->perplexity_budget(); budget > 0.0) {
    if (options.method != engine::TuningMethod::AfbsBo) {
      append_log(tr("Not started: a perplexity budget is for afbs-bo only (set it to off)."));
      tabs_->setCurrentWidget(log_);
      return;
    }
    options.budget.enabled = true;
    options.afbs.perplexity_budget = budget;
  }
  options.fidelity_lengths = engine::default_fidelity_ladder(run_panel_->top_length(), 64);
  options.layers = run_panel_->layers();
  TuningJob job;
  if (job_factory_) {
    job = job_factory_(options,
                       [model = heatmap_model_](int layer) { return model->pin_snapshot(layer); });
  }
  if (!job) {
    append_log(tr("No model is loaded: load a model before starting a run."));
    tabs_->setCurrentWidget(log_);
    return;
  }
  convergence_->clear();
  convergence_->set_error_target(options.target_error);
  quality_points_.clear();
  quality_->clear_curves();
  traffic_->clear_curves();
  const QString method = options.method == engine::TuningMethod::Static
                             ? tr("static %1").arg(run_panel_->preset())
                             : run_panel_->method();
  append_log(
      tr("Starting %1 (ε₁ %2, ε₂ %3%4).")
          .arg(method)
          .arg(options.target_error)
          .arg(options.pv_target_error)
          .arg(options.budget.enabled
                   ? tr(", perplexity budget %1 %").arg(100.0 * options.afbs.perplexity_budget)
                   : QString()));
  // The frontier groups runs by method: budget runs form one curve, statics one per family.
  run_series_ = options.budget.enabled ? tr("afbs-bo budget") : method.section(':', 0, 0);
  progress_->show_idle(tr("Starting…"));
  run_controller_->start(std::move(job));
}

void MainWindow::finish_run(const engine::RunResult& result) {
  const QString status = QString::fromUtf8(engine::run_status_name(result.status));
  QString line = tr("Run %1: %2 layers, %3 evaluations")
                     .arg(status)
                     .arg(result.layers.size())
                     .arg(result.counts.evaluations);
  if (!result.message.empty()) line += tr(" (%1)").arg(QString::fromStdString(result.message));
  append_log(line);
  progress_->show_idle(tr("Run %1").arg(status));
  if (result.status == engine::RunStatus::Succeeded) {
    TuningSummary summary;
    summary.method = engine::method_name(result.method);
    summary.l1_target = result.target_error;
    summary.pv_l1_target = result.pv_target_error;
    summary.evaluations = result.counts.evaluations;
    summary.weighted_evaluations = result.counts.weighted_evaluations;
    summary.seconds = result.counts.seconds;
    last_tuning_ = summary;
  }
  if (result.status == engine::RunStatus::Succeeded) {
    std::optional<engine::QualityPoint> top;
    if (!quality_points_.empty()) top = quality_points_.back();  // sorted by length
    frontier_->add_run(run_series_, result, top);
  }
  // A grid run becomes the baseline overlaid on later runs' convergence curves.
  if (result.method == engine::TuningMethod::Grid && result.status == engine::RunStatus::Succeeded)
    convergence_->set_baseline(result.evaluations);
}

void MainWindow::add_quality_point(const engine::QualityPoint& point) {
  std::erase_if(quality_points_, [&](const engine::QualityPoint& p) {
    return p.length_tokens == point.length_tokens;
  });
  quality_points_.push_back(point);
  std::sort(quality_points_.begin(), quality_points_.end(),
            [](const auto& a, const auto& b) { return a.length_tokens < b.length_tokens; });
  std::vector<int> lengths;
  std::vector<double> dense, tuned, dense_mib, tuned_mib;
  for (const engine::QualityPoint& p : quality_points_) {
    constexpr double kMiB = 1024.0 * 1024.0;
    lengths.push_back(p.length_tokens);
    dense.push_back(p.perplexity_dense);
    tuned.push_back(p.perplexity_tuned);
    dense_mib.push_back(p.kv_bytes_dense / kMiB);
    tuned_mib.push_back(p.kv_bytes_tuned / kMiB);
  }
  quality_->set_curve(QStringLiteral("dense"), lengths, dense);
  quality_->set_curve(QStringLiteral("tuned"), lengths, tuned);
  traffic_->set_curve(QStringLiteral("dense"), lengths, dense_mib);
  traffic_->set_curve(QStringLiteral("tuned"), lengths, tuned_mib);
  append_log(tr("Quality at %1 tokens: perplexity %2 dense, %3 tuned (sparsity %4)")
                 .arg(point.length_tokens)
                 .arg(point.perplexity_dense, 0, 'f', 3)
                 .arg(point.perplexity_tuned, 0, 'f', 3)
                 .arg(point.sparsity_tuned, 0, 'f', 3));
}

std::optional<SparseConfig> MainWindow::current_config() {
  if (!model_identity_) {
    append_log(tr("No model is loaded: a config belongs to a model."));
    return std::nullopt;
  }
  return config_from_heatmap(*heatmap_model_, *model_identity_, last_tuning_);
}

bool MainWindow::write_current_config(const ConfigWriter& writer, const QString& path,
                                      const QString& failed, const QString& done) {
  const std::optional<SparseConfig> config = current_config();
  if (!config) return false;
  if (Status written = writer(*config, path.toStdString()); !written) {
    append_log(tr("%1: %2").arg(failed, QString::fromStdString(written.error().message)));
    return false;
  }
  append_log(done.arg(path));
  return true;
}

bool MainWindow::save_config(const QString& path) {
  return write_current_config(write_config, path, tr("Not saved"), tr("Saved the config to %1"));
}

bool MainWindow::export_spargeattn(const QString& path) {
  if (!spargeattn_writer_) {
    append_log(tr("SpargeAttn export is not available in this build."));
    return false;
  }
  return write_current_config(spargeattn_writer_, path, tr("Not exported"),
                              tr("Exported the config for SpargeAttn to %1"));
}

bool MainWindow::open_config(const QString& path) {
  if (!model_identity_) {
    append_log(tr("No model is loaded: a config belongs to a model."));
    return false;
  }
  if (run_controller_->running()) {
    append_log(tr("A run is going: open the config when it has ended."));
    return false;
  }
  const std::string source = path.toStdString();
  auto config = read_config(source);
  Status loaded =
      config ? check_config_matches(*config, *model_identity_, source) : Status(config.error());
  if (loaded) loaded = load_config_into(*heatmap_model_, *config, path);
  if (!loaded) {
    append_log(tr("Not opened: %1").arg(QString::fromStdString(loaded.error().message)));
    return false;
  }
  append_log(tr("Opened %1 (Edit → Undo puts the heatmap back)").arg(path));
  return true;
}

}  // namespace afbs::ui
