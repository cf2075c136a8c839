#pragma once

#include <QMainWindow>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <vector>

#include "core/attention/sparse_config.h"

#include "ui/message_bar.h"
#include "ui/opened_model.h"
#include "ui/run_history.h"
#include "ui/session_document.h"
#include "ui/tuning_job.h"
#include "ui/tuning_metatypes.h"

class QMenu;
class QPlainTextEdit;
class QSettings;
class QTabWidget;
class QTimer;
class QUndoStack;

namespace afbs::ui {

class ConvergenceChart;
class FrontierChart;
class HeadInspector;
class HeadPictureService;
class HeatmapModel;
class ModelPanel;
class ProgressIndicator;
class QualityChart;
class RunController;
class RunHistory;
class RunPanel;
class RunsView;
class SparsityHeatmap;

// Assembles the panels: model and run controls on the left, a message bar over the result tabs
// in the centre, run progress in the status bar; wires the run controls to the worker thread.
// Its member functions are spread by concern: main_window.cpp (panels and runs),
// main_window_files.cpp (models and configs), main_window_session.cpp (sessions, autosave,
// closing), main_window_menus.cpp (menus, About, shortcuts), main_window_export.cpp (views as
// PNG, SVG, CSV).
class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  // Cancels a running job and waits for it before the views it reports to go away.
  ~MainWindow() override;

  ModelPanel* model_panel() const { return model_panel_; }
  RunPanel* run_panel() const { return run_panel_; }
  QTabWidget* tabs() const { return tabs_; }
  MessageBar* message_bar() const { return message_bar_; }
  ConvergenceChart* convergence_chart() const { return convergence_; }
  HeatmapModel* heatmap_model() const { return heatmap_model_; }
  SparsityHeatmap* heatmap() const { return heatmap_; }
  HeadInspector* head_inspector() const { return inspector_; }
  // The tabs' pages (each view in its scroll area); the heatmap's holds the inspector beside it.
  QWidget* convergence_tab() const { return convergence_tab_; }
  QWidget* heatmap_tab() const { return heatmap_tab_; }
  QWidget* quality_tab() const { return quality_tab_; }
  QWidget* runs_tab() const { return runs_tab_; }
  RunHistory* run_history() const { return run_history_; }
  RunsView* runs_view() const { return runs_view_; }

  // Run history (main_window_runs.cpp): puts run `number` back on the Convergence and Quality
  // charts, or overlays `other` on `reference` there and describes the difference. False (with
  // a message) when a run is going or a number is unknown.
  bool show_run(int number);
  bool compare_runs(int reference, int other);
  QualityChart* quality_chart() const { return quality_; }
  FrontierChart* frontier_chart() const { return frontier_; }
  QualityChart* traffic_chart() const { return traffic_; }
  ProgressIndicator* progress_indicator() const { return progress_; }
  RunController* run_controller() const { return run_controller_; }
  QUndoStack* undo_stack() const { return undo_stack_; }

  // Who builds tuning jobs (set once a model is loaded); without one Start only logs.
  void set_job_factory(TuningJobFactory factory) { job_factory_ = std::move(factory); }
  // Who draws the head inspector's block masks (set with the model; tests set their own).
  HeadPictureService* picture_service() const { return picture_service_; }

  // Runs the engine on the heads selected in the heatmap only (their layers; every other head
  // keeps its values, pinned for that run). Pinned heads among them stay as they are. Returns
  // false, with a message, when no run starts.
  bool retune_selected();

  // Appends a line to the Log tab.
  void append_log(const QString& line);
  // Logs `text` and shows it in the message bar over the current view; an error also replaces
  // the status bar's last word on a run.
  void notify(Severity severity, const QString& text, const QString& action_text = {},
              std::function<void()> action = {});

  // Models (File → Open model, the recent list, drag and drop). The opener comes from the app.
  // open_model refuses while a run is going and leaves the current model on failure.
  void set_model_opener(ModelOpener opener) { model_opener_ = std::move(opener); }
  bool open_model(const QString& dir);
  // Shows an already opened model (what open_model does after the opener succeeded).
  void show_model(OpenedModel model);
  QString model_dir() const { return model_dir_; }

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

  // The current view (Convergence, Heatmap or Quality) as PNG, SVG or CSV, by the path's
  // suffix; refuses other views and suffixes with a message.
  bool export_view(const QString& path);

  // Sessions: everything a person would not want to lose, as one file.
  SessionDocument capture_session() const;
  // Opens the session's model when it is not the current one, checks the fingerprint, then
  // puts back the heatmap, run settings, last run, quality data and log. Changes nothing on
  // failure.
  bool restore_session(const SessionDocument& session, const QString& source);
  bool save_session(const QString& path);
  bool open_session(const QString& path);
  QString session_path() const { return session_path_; }
  // True when there is work since the session was last saved or opened.
  bool session_modified() const { return isWindowModified(); }

  // Where the session is saved as it changes (empty: no autosave, the default). A clean close
  // keeps it, a "Discard" at the close prompt removes it.
  void set_autosave_path(const QString& path);
  QString autosave_path() const { return autosave_path_; }
  bool autosave_now();
  // An exception escaped an event handler (GuardedApplication): says so in the message bar
  // and the log, and autosaves so that no work is lost if the user restarts.
  void report_escaped_exception(const QString& what);
  // Restores the autosave when it belongs to the current model; says so in the log.
  bool restore_autosave();

  // Window layout, recent models and sessions, last folders; the window takes ownership.
  // Without settings (tests) nothing persists beyond the window.
  void set_settings(QSettings* settings);
  QStringList recent_models() const { return recent_models_; }
  QStringList recent_sessions() const { return recent_sessions_; }

 protected:
  void closeEvent(QCloseEvent* event) override;
  void showEvent(QShowEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void create_menus();
  void refresh_recent_menus();
  void show_about();
  void show_shortcuts();
  void connect_run();
  // With `retune`, only those heads are tuned (the others of their layers keep their values).
  bool start_run(std::optional<std::set<HeadKey>> retune = std::nullopt);
  void finish_run(const afbs::engine::RunResult& result);
  void add_quality_point(const afbs::engine::QualityPoint& point);
  void show_quality_points();
  // The quality charts: `current` (its dense and tuned curves, the tuned one named
  // `current_name`) and optionally `reference`'s tuned curve named `reference_name`.
  void show_quality(const std::vector<engine::QualityPoint>& current, const QString& current_name,
                    const std::vector<engine::QualityPoint>& reference,
                    const QString& reference_name);
  // Keeps the run that just finished in the history.
  void record_run(const engine::RunResult& result);
  void clear_run_views();
  std::optional<SparseConfig> current_config();  // nullopt (and a message) without a model
  // Writes current_config() with `writer` and logs `done` (with %1 the path) or the error.
  bool write_current_config(const ConfigWriter& writer, const QString& path, const QString& failed,
                            const QString& done);
  // Session bookkeeping: something worth keeping changed / the session was saved or opened.
  void mark_modified();
  void mark_saved(const QString& path);
  void update_title();
  // Asks whether to save unsaved work; false when the person cancels the close.
  bool confirm_discard();
  QString ask_session_path();
  QString last_folder(const QString& purpose) const;
  void remember_folder(const QString& purpose, const QString& file_or_folder);
  void remember_recent_model(const QString& dir);
  void remember_recent_session(const QString& path);

  ModelPanel* model_panel_ = nullptr;
  RunPanel* run_panel_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  MessageBar* message_bar_ = nullptr;
  QPlainTextEdit* log_ = nullptr;
  QPlainTextEdit* notes_ = nullptr;  // the person's own notes, kept in the session
  QUndoStack* undo_stack_ = nullptr;
  ConvergenceChart* convergence_ = nullptr;
  HeatmapModel* heatmap_model_ = nullptr;
  SparsityHeatmap* heatmap_ = nullptr;
  HeadInspector* inspector_ = nullptr;
  QWidget* convergence_tab_ = nullptr;
  QWidget* heatmap_tab_ = nullptr;
  QWidget* quality_tab_ = nullptr;
  QWidget* runs_tab_ = nullptr;
  QualityChart* quality_ = nullptr;                     // perplexity vs length
  QualityChart* traffic_ = nullptr;                     // K/V computed, peak memory measured
  FrontierChart* frontier_ = nullptr;                   // sparsity vs perplexity rise, per run
  QString run_series_;                                  // the frontier series of the run started
  std::vector<engine::QualityPoint> quality_points_;    // of the last run, by length
  std::vector<engine::QualityPoint> previous_quality_;  // of the run before, for comparison
  std::vector<engine::EvaluationRecord> run_records_;   // of the last run, as they came
  RunHistory* run_history_ = nullptr;
  RunsView* runs_view_ = nullptr;
  RunEntry started_run_;                  // what the run going now was asked to do
  std::optional<double> started_budget_;  // its perplexity budget, in budget mode
  ProgressIndicator* progress_ = nullptr;
  RunController* run_controller_ = nullptr;
  HeadPictureService* picture_service_ = nullptr;
  TuningJobFactory job_factory_;
  ModelOpener model_opener_;
  QString model_dir_;
  std::optional<ModelIdentity> model_identity_;
  std::optional<TuningSummary> last_tuning_;  // of the last successful run
  ConfigWriter spargeattn_writer_;

  QString session_path_;
  QString autosave_path_;
  QTimer* autosave_timer_ = nullptr;
  QSettings* settings_ = nullptr;
  QStringList recent_models_;
  QStringList recent_sessions_;
  QMenu* recent_models_menu_ = nullptr;
  QMenu* recent_sessions_menu_ = nullptr;
  bool first_show_ = true;
};

}  // namespace afbs::ui
