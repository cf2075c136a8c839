#pragma once

#include <QMainWindow>
#include <filesystem>
#include <functional>
#include <optional>
#include <vector>

#include "core/attention/sparse_config.h"

#include "ui/tuning_job.h"
#include "ui/tuning_metatypes.h"

class QTabWidget;
class QPlainTextEdit;
class QUndoStack;

namespace afbs::ui {

class ConvergenceChart;
class FrontierChart;
class HeatmapModel;
class ModelPanel;
class ProgressIndicator;
class QualityChart;
class RunController;
class RunPanel;
class SparsityHeatmap;

// Assembles the panels: model and run controls on the left, result tabs in the centre, run
// progress in the status bar; wires the run controls to the worker thread.
class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  // Cancels a running job and waits for it before the views it reports to go away.
  ~MainWindow() override;

  ModelPanel* model_panel() const { return model_panel_; }
  RunPanel* run_panel() const { return run_panel_; }
  QTabWidget* tabs() const { return tabs_; }
  ConvergenceChart* convergence_chart() const { return convergence_; }
  HeatmapModel* heatmap_model() const { return heatmap_model_; }
  SparsityHeatmap* heatmap() const { return heatmap_; }
  QualityChart* quality_chart() const { return quality_; }
  FrontierChart* frontier_chart() const { return frontier_; }
  QualityChart* traffic_chart() const { return traffic_; }
  ProgressIndicator* progress_indicator() const { return progress_; }
  RunController* run_controller() const { return run_controller_; }
  QUndoStack* undo_stack() const { return undo_stack_; }

  // Who builds tuning jobs (set once a model is loaded); without one Start only logs.
  void set_job_factory(TuningJobFactory factory) { job_factory_ = std::move(factory); }

  // Appends a line to the Log tab.
  void append_log(const QString& line);

  // Config files (the File menu). The model identity goes into saved configs and is checked
  // against opened ones; the SpargeAttn writer needs libtorch, so the app supplies it. Each
  // call logs what it did or why it could not, and changes nothing on failure.
  using ConfigWriter =
      std::function<Status(const SparseConfig& config, const std::filesystem::path& path)>;
  void set_model_identity(ModelIdentity identity) { model_identity_ = std::move(identity); }
  void set_spargeattn_writer(ConfigWriter writer) { spargeattn_writer_ = std::move(writer); }
  bool save_config(const QString& path);
  bool open_config(const QString& path);
  bool export_spargeattn(const QString& path);

 private:
  void create_menus();
  void connect_run();
  void start_run();
  void finish_run(const afbs::engine::RunResult& result);
  void add_quality_point(const afbs::engine::QualityPoint& point);
  std::optional<SparseConfig> current_config();  // nullopt (and a log line) without a model
  // Writes current_config() with `writer` and logs `done` (with %1 the path) or the error.
  bool write_current_config(const ConfigWriter& writer, const QString& path, const QString& failed,
                            const QString& done);

  ModelPanel* model_panel_ = nullptr;
  RunPanel* run_panel_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QPlainTextEdit* log_ = nullptr;
  QUndoStack* undo_stack_ = nullptr;
  ConvergenceChart* convergence_ = nullptr;
  HeatmapModel* heatmap_model_ = nullptr;
  SparsityHeatmap* heatmap_ = nullptr;
  QualityChart* quality_ = nullptr;                   // perplexity vs length
  QualityChart* traffic_ = nullptr;                   // computed K/V traffic vs length
  FrontierChart* frontier_ = nullptr;                 // sparsity vs perplexity rise, per run
  QString run_series_;                                // the frontier series of the run started
  std::vector<engine::QualityPoint> quality_points_;  // of the last run, by length
  ProgressIndicator* progress_ = nullptr;
  RunController* run_controller_ = nullptr;
  TuningJobFactory job_factory_;
  std::optional<ModelIdentity> model_identity_;
  std::optional<TuningSummary> last_tuning_;  // of the last successful run
  ConfigWriter spargeattn_writer_;
};

}  // namespace afbs::ui
