#include "ui/main_window.h"

#include <QDockWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>

#include "core/attention/sparse_preset.h"
#include "ui/block_shape_change.h"
#include "ui/convergence_chart.h"
#include "ui/frontier_chart.h"
#include "ui/head_inspector.h"
#include "ui/head_picture_service.h"
#include "ui/heatmap_model.h"
#include "ui/model_panel.h"
#include "ui/perplexity_budget_box.h"
#include "ui/progress_indicator.h"
#include "ui/quality_chart.h"
#include "ui/run_controller.h"
#include "ui/run_outcome.h"
#include "ui/run_panel.h"
#include "ui/runs_view.h"
#include "ui/sparsity_heatmap.h"
#include "ui/tuning_bridge.h"

namespace afbs::ui {
namespace {

// `content` in a frameless scroll area that gives it at least its minimum size.
QScrollArea* scrolling(QWidget* content, const char* name) {
  auto* area = new QScrollArea;
  area->setObjectName(name);
  area->setFrameShape(QFrame::NoFrame);
  area->setWidgetResizable(true);
  area->setWidget(content);
  return area;
}

}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  resize(1200, 760);
  setAcceptDrops(true);  // a model folder or a session file dropped on the window opens it

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
  dock->setWidget(scrolling(side, "sessionScroll"));
  addDockWidget(Qt::LeftDockWidgetArea, dock);

  undo_stack_ = new QUndoStack(this);
  heatmap_model_ = new HeatmapModel(undo_stack_, this);
  auto* centre = new QWidget(this);
  auto* centre_layout = new QVBoxLayout(centre);
  centre_layout->setContentsMargins(0, 0, 0, 0);
  message_bar_ = new MessageBar(centre);
  tabs_ = new QTabWidget(centre);
  centre_layout->addWidget(message_bar_);
  centre_layout->addWidget(tabs_, 1);
  convergence_ = new ConvergenceChart;
  auto* heatmap_split = new QSplitter(Qt::Horizontal);
  heatmap_ = new SparsityHeatmap(heatmap_model_, heatmap_split);
  inspector_ = new HeadInspector(heatmap_model_, heatmap_split);
  heatmap_split->addWidget(heatmap_);
  heatmap_split->addWidget(inspector_);
  heatmap_split->setStretchFactor(0, 3);
  heatmap_split->setStretchFactor(1, 2);
  // Perplexity and traffic share the left column; the frontier gets the full height on the right
  // (stacked three high, its axis title did not fit at 1366 × 768).
  auto* quality_split = new QSplitter(Qt::Horizontal);
  auto* by_length = new QSplitter(Qt::Vertical, quality_split);
  quality_ = new QualityChart(by_length);
  traffic_ = new QualityChart(tr("memory"), tr("K/V MiB read per window"), by_length);
  traffic_->setObjectName("trafficChart");
  traffic_->set_right_axis_title(tr("peak device MiB"));
  traffic_->set_value_format(QStringLiteral("%g"));
  frontier_ = new FrontierChart(quality_split);
  frontier_->setObjectName("frontierChart");
  log_ = new QPlainTextEdit(tabs_);
  log_->setObjectName("log");
  log_->setReadOnly(true);
  log_->setMaximumBlockCount(20000);  // a long run must not grow the log without bound
  // Each view scrolls when the window is smaller than it needs (2 × scale on a small screen), so
  // the window's minimum size stays that of its frame.
  convergence_tab_ = scrolling(convergence_, "convergenceTab");
  heatmap_tab_ = scrolling(heatmap_split, "heatmapTab");
  quality_tab_ = scrolling(quality_split, "qualityTab");
  tabs_->addTab(convergence_tab_, tr("Convergence"));
  tabs_->addTab(heatmap_tab_, tr("Heatmap"));
  tabs_->addTab(quality_tab_, tr("Quality"));
  run_history_ = new RunHistory(this);
  runs_view_ = new RunsView(run_history_);
  runs_view_->setObjectName("runsView");
  runs_tab_ = scrolling(runs_view_, "runsTab");
  tabs_->addTab(runs_tab_, tr("Runs"));
  tabs_->addTab(log_, tr("Log"));
  notes_ = new QPlainTextEdit(tabs_);
  notes_->setObjectName("notes");
  notes_->setPlaceholderText(tr("Your notes on this session; they are saved with it."));
  tabs_->addTab(notes_, tr("Notes"));
  setCentralWidget(centre);

  progress_ = new ProgressIndicator(this);
  statusBar()->addPermanentWidget(progress_);

  autosave_timer_ = new QTimer(this);
  autosave_timer_->setSingleShot(true);
  autosave_timer_->setInterval(3000);  // coalesces a run's stream of changes into few writes
  connect(autosave_timer_, &QTimer::timeout, this, [this] { autosave_now(); });

  run_controller_ = new RunController(this);
  picture_service_ = new HeadPictureService(run_controller_, this);
  inspector_->set_picture_service(picture_service_);
  create_menus();
  connect_run();
  connect(heatmap_model_, &HeatmapModel::changed, this, &MainWindow::mark_modified);
  connect(notes_, &QPlainTextEdit::textChanged, this, &MainWindow::mark_modified);
  connect(heatmap_, &SparsityHeatmap::edit_refused, this,
          [this](const QString& why) { notify(Severity::Warning, why); });
  update_title();
}

MainWindow::~MainWindow() {
  // The job reports to the views: stop it before any of them is destroyed.
  delete run_controller_;
}

void MainWindow::append_log(const QString& line) {
  log_->appendPlainText(line);
}

void MainWindow::notify(Severity severity, const QString& text, const QString& action_text,
                        std::function<void()> action) {
  append_log(text);
  message_bar_->show_message(severity, text, action_text, std::move(action));
  if (severity == Severity::Error) progress_->show_idle(tr("Error: see the message above"));
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  // Keyboard focus starts on Start, never in a number a stray key would change.
  if (first_show_) run_panel_->findChild<QPushButton*>("start")->setFocus();
  first_show_ = false;
}

void MainWindow::connect_run() {
  TuningBridge* reports = run_controller_->reports();  // emits on this (the GUI) thread
  connect(reports, &TuningBridge::evaluations, convergence_, &ConvergenceChart::add_records);
  connect(reports, &TuningBridge::evaluations, this,
          [this](const std::vector<engine::EvaluationRecord>& records) {
            run_records_.insert(run_records_.end(), records.begin(), records.end());
            inspector_->add_records(records);
            mark_modified();
          });
  connect(reports, &TuningBridge::layer_finished, heatmap_model_,
          &HeatmapModel::apply_layer_result);
  connect(reports, &TuningBridge::progress, progress_, &ProgressIndicator::show_progress);
  connect(reports, &TuningBridge::phase, progress_, &ProgressIndicator::show_phase);
  connect(reports, &TuningBridge::log_line, this, &MainWindow::append_log);
  connect(reports, &TuningBridge::finished, this, &MainWindow::finish_run);
  connect(reports, &TuningBridge::quality, this, &MainWindow::add_quality_point);
  connect(run_controller_, &RunController::running_changed, run_panel_, &RunPanel::set_running);
  connect(run_controller_, &RunController::paused_changed, run_panel_, &RunPanel::set_paused);
  connect(run_panel_, &RunPanel::start_requested, this, [this] { start_run(); });
  connect(run_panel_, &RunPanel::pause_requested, this,
          [this] { run_controller_->set_paused(!run_controller_->paused()); });
  connect(run_panel_, &RunPanel::cancel_requested, this, [this] {
    run_controller_->cancel();
    append_log(tr("Cancelling after the current evaluation or window…"));
  });
  // A clicked head's detail is its convergence; stop following the run so it stays shown.
  connect(heatmap_, &SparsityHeatmap::head_activated, convergence_, [this](int layer, int head) {
    convergence_->set_follow_run(false);
    convergence_->select(layer, head);
  });
  // The inspector follows the heatmap's current head (mouse or keyboard).
  connect(heatmap_, &SparsityHeatmap::current_head_changed, inspector_,
          [this](int layer, int head) { inspector_->show_head(layer, head, run_records_); });
  connect(heatmap_, &SparsityHeatmap::retune_requested, this, &MainWindow::retune_selected);
  connect(runs_view_, &RunsView::show_requested, this, &MainWindow::show_run);
  connect(runs_view_, &RunsView::compare_requested, this, &MainWindow::compare_runs);
  connect(runs_view_, &RunsView::problem, this,
          [this](const QString& text) { notify(Severity::Error, text); });
}

bool MainWindow::retune_selected() {
  if (run_controller_->running()) {
    notify(Severity::Warning, tr("A run is going: re-tune when it has ended."));
    return false;
  }
  std::set<HeadKey> chosen;
  int pinned = 0;
  for (const auto& [layer, head] : heatmap_->selected_heads()) {
    if (heatmap_model_->cell(layer, head).pinned) {
      ++pinned;
    } else {
      chosen.insert({layer, head});
    }
  }
  if (chosen.empty()) {
    notify(Severity::Warning, pinned > 0 ? tr("Not started: every selected head is pinned (unpin "
                                              "the heads to re-tune).")
                                         : tr("Not started: select heads in the heatmap first."));
    return false;
  }
  if (pinned > 0)
    append_log(tr("%n selected head(s) are pinned and keep their values.", nullptr, pinned));
  return start_run(std::move(chosen));
}

bool MainWindow::start_run(std::optional<std::set<HeadKey>> retune) {
  if (run_controller_->running()) return false;
  engine::EngineOptions options;
  options.target_error = run_panel_->l1_target();
  options.pv_target_error = run_panel_->pv_l1_target();
  options.method = engine::parse_method(run_panel_->method().toStdString())
                       .value_or(engine::TuningMethod::AfbsBo);
  if (options.method == engine::TuningMethod::Static) {
    auto setting = preset_head_setting(run_panel_->preset().toStdString());
    if (!setting) {
      notify(Severity::Error,
             tr("Not started: %1").arg(QString::fromStdString(setting.error().message)));
      return false;
    }
    options.static_setting = *setting;
  }
  if (const QString problem = run_panel_->budget_box()->problem(); !problem.isEmpty()) {
    notify(Severity::Warning, tr("Not started: %1").arg(problem));
    return false;
  }
  run_panel_->budget_box()->apply_to(options);
  options.fidelity_lengths = engine::default_fidelity_ladder(run_panel_->top_length(), 64);
  options.blocks = run_panel_->blocks();
  options.layers = run_panel_->layers();
  if (retune) {
    options.layers.clear();
    for (const auto& [layer, head] : *retune)
      if (options.layers.empty() || options.layers.back() != layer) options.layers.push_back(layer);
  }
  const BlockShape held = heatmap_model_->blocks();
  if (const QString problem = block_shape_change_problem(*heatmap_model_, options.blocks,
                                                         options.layers, retune.has_value());
      !problem.isEmpty()) {
    notify(Severity::Warning, tr("Not started: %1.").arg(problem));
    return false;
  }
  TuningJob job;
  if (job_factory_) {
    // The engine reads pins from the store on its own thread, never from the item model.
    job = job_factory_(options, HeadStore::pin_source(heatmap_model_->store(), retune));
  }
  if (!job) {
    notify(Severity::Error, tr("No model is loaded: load a model before starting a run."),
           tr("Open model…"), [this] { findChild<QAction*>("openModelAction")->trigger(); });
    return false;
  }
  message_bar_->dismiss();
  if (options.blocks != held) {
    heatmap_model_->start_over(options.blocks);
    append_log(tr("The heatmap's %1 × %2 thresholds are cleared (a saved session or exported "
                  "config keeps them): this run tunes every layer for %3 × %4 blocks.")
                   .arg(held.query)
                   .arg(held.key)
                   .arg(options.blocks.query)
                   .arg(options.blocks.key));
  }
  clear_run_views();
  convergence_->set_error_target(options.target_error);
  const QString method = options.method == engine::TuningMethod::Static
                             ? tr("static %1").arg(run_panel_->preset())
                             : run_panel_->method();
  append_log(
      tr("Starting %1%5 (ε₁ %2, ε₂ %3%4%6).")
          .arg(method)
          .arg(options.target_error)
          .arg(options.pv_target_error)
          .arg(options.budget.enabled ? tr(", perplexity budget %1 %, trying %2")
                                            .arg(100.0 * options.afbs.perplexity_budget)
                                            .arg(run_panel_->budget_box()->allocations_text())
                                      : QString())
          .arg(retune ? tr(" on %n selected head(s)", nullptr, int(retune->size())) : QString())
          .arg(options.blocks == BlockShape{}
                   ? QString()
                   : tr(", %1 blocks").arg(QString::fromStdString(options.blocks.text()))));
  started_run_ = RunEntry{};
  started_run_.number = run_history_->next_number();
  started_run_.method =
      options.budget.enabled
          ? tr("%1, budget %2 %").arg(method).arg(100.0 * options.afbs.perplexity_budget)
          : method;
  started_run_.scope =
      retune ? tr("%n selected head(s)", nullptr, int(retune->size()))
      : options.layers.empty()
          ? tr("all layers")
          : tr("layers %1–%2").arg(options.layers.front()).arg(options.layers.back());
  started_run_.l1_target = options.target_error;
  started_run_.pv_l1_target = options.pv_target_error;
  started_run_.top_length_tokens = run_panel_->top_length();
  started_run_.started = QDateTime::currentDateTime();
  started_budget_ =
      options.budget.enabled ? std::optional(options.afbs.perplexity_budget) : std::nullopt;
  // The frontier groups runs by method: budget runs form one curve, statics one per family.
  run_series_ = options.budget.enabled ? tr("afbs-bo budget") : method.section(':', 0, 0);
  progress_->show_idle(tr("Starting…"));
  mark_modified();
  run_controller_->start(std::move(job));
  return true;
}

void MainWindow::clear_run_views() {
  convergence_->clear();
  run_records_.clear();
  // The last run's quality stays on the charts as "previous run" until the next one replaces it.
  if (!quality_points_.empty()) previous_quality_ = std::move(quality_points_);
  quality_points_.clear();
  show_quality_points();
}

void MainWindow::finish_run(const engine::RunResult& result) {
  const QString status = QString::fromUtf8(engine::run_status_name(result.status));
  QString line = tr("Run %1: %2 layers, %3 evaluations")
                     .arg(status)
                     .arg(result.layers.size())
                     .arg(result.counts.evaluations);
  if (!result.message.empty()) line += tr(" (%1)").arg(QString::fromStdString(result.message));
  const RunOutcome outcome = judge_run(result);
  if (outcome.severity == Severity::Information) {
    append_log(line);
  } else {
    notify(outcome.severity, outcome.warning.isEmpty() ? line : line + "\n" + outcome.warning);
  }
  progress_->show_idle(outcome.status_text);
  inspector_->refresh_pictures();  // the run may have captured Q/K/V anew, or for the first time
  if (result.status == engine::RunStatus::Succeeded) {
    TuningSummary summary;
    summary.method = engine::method_name(result.method);
    summary.l1_target = result.target_error;
    summary.pv_l1_target = result.pv_target_error;
    summary.evaluations = result.counts.evaluations;
    summary.weighted_evaluations = result.counts.weighted_evaluations;
    summary.seconds = result.counts.seconds;
    last_tuning_ = summary;
    // Budget mode: what it chose, in afbs-tune's words.
    if (started_budget_) {
      for (const QString& budget_line : budget_report(result, *started_budget_))
        append_log(budget_line);
    }
  }
  if (result.status == engine::RunStatus::Succeeded) {
    std::optional<engine::QualityPoint> top;
    if (!quality_points_.empty()) top = quality_points_.back();  // sorted by length
    frontier_->add_run(run_series_, result, top);
  }
  // A grid run becomes the baseline overlaid on later runs' convergence curves.
  if (result.method == engine::TuningMethod::Grid && result.status == engine::RunStatus::Succeeded)
    convergence_->set_baseline(result.evaluations);
  record_run(result);
  mark_modified();
  autosave_now();  // the end of a run is the moment not to lose
}

void MainWindow::add_quality_point(const engine::QualityPoint& point) {
  std::erase_if(quality_points_, [&](const engine::QualityPoint& p) {
    return p.length_tokens == point.length_tokens;
  });
  quality_points_.push_back(point);
  show_quality_points();
  append_log(tr("Quality at %1 tokens: perplexity %2 dense, %3 tuned (sparsity %4)")
                 .arg(point.length_tokens)
                 .arg(point.perplexity_dense, 0, 'f', 3)
                 .arg(point.perplexity_tuned, 0, 'f', 3)
                 .arg(point.sparsity_tuned, 0, 'f', 3));
  mark_modified();
}

void MainWindow::show_quality_points() {
  std::sort(quality_points_.begin(), quality_points_.end(),
            [](const auto& a, const auto& b) { return a.length_tokens < b.length_tokens; });
  show_quality(quality_points_, QStringLiteral("tuned"), previous_quality_, tr("previous run"));
}

}  // namespace afbs::ui
