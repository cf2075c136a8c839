// MainWindow: models and config files (File → Open model, Open/Save config, Export), and what
// a drop on the window opens.

#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QMimeData>

#include "core/io/config_file.h"
#include "ui/config_exchange.h"
#include "ui/head_inspector.h"
#include "ui/head_picture_service.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/model_panel.h"
#include "ui/run_controller.h"
#include "ui/run_panel.h"

namespace afbs::ui {

bool MainWindow::open_model(const QString& dir) {
  if (run_controller_->running()) {
    notify(Severity::Warning, tr("A run is going: open another model when it has ended."));
    return false;
  }
  if (!model_opener_) {
    notify(Severity::Error, tr("Opening models is not available in this build."));
    return false;
  }
  auto opened = model_opener_(dir.toStdString());
  if (!opened) {
    notify(Severity::Error,
           tr("Cannot open the model: %1").arg(QString::fromStdString(opened.error().message)),
           tr("Open model…"), [this] { findChild<QAction*>("openModelAction")->trigger(); });
    return false;
  }
  show_model(std::move(*opened));
  return true;
}

void MainWindow::show_model(OpenedModel model) {
  const bool same_model = model_identity_ &&
                          model_identity_->fingerprint == model.identity.fingerprint &&
                          heatmap_model_->layers() == model.layers;
  model_panel_->show_rows(model.rows);
  if (!same_model) {
    heatmap_model_->set_dimensions(model.layers, model.heads);
    clear_run_views();
    previous_quality_.clear();  // another model's perplexity is no comparison
    show_quality_points();
    run_history_->set_runs({});
    last_tuning_.reset();
  }
  run_panel_->set_model_limits(model.layers, model.context_tokens);
  model_dir_ = model.dir;
  job_factory_ = std::move(model.jobs);
  picture_service_->set_source(std::move(model.pictures));
  inspector_->refresh_pictures();
  model_identity_ = model.identity;
  message_bar_->dismiss();
  remember_recent_model(model.dir);
  remember_folder("model", model.dir);
  append_log(tr("Model %1 ready: Start tunes it (the first run loads it and captures Q/K/V).")
                 .arg(model.dir));
  update_title();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls() && event->mimeData()->urls().size() == 1 &&
      event->mimeData()->urls().front().isLocalFile())
    event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
  const QString path = event->mimeData()->urls().front().toLocalFile();
  event->acceptProposedAction();
  if (QFileInfo(path).isDir()) {
    if (confirm_discard()) open_model(path);
  } else if (path.endsWith(".json") && path.contains(".afbs-session")) {
    if (confirm_discard()) open_session(path);
  } else {
    open_config(path);
  }
}

std::optional<SparseConfig> MainWindow::current_config() {
  if (!model_identity_) {
    notify(Severity::Error, tr("No model is loaded: a config belongs to a model."));
    return std::nullopt;
  }
  return config_from_heatmap(*heatmap_model_, *model_identity_, last_tuning_);
}

bool MainWindow::write_current_config(const ConfigWriter& writer, const QString& path,
                                      const QString& failed, const QString& done) {
  const std::optional<SparseConfig> config = current_config();
  if (!config) return false;
  if (Status written = writer(*config, path.toStdString()); !written) {
    notify(Severity::Error,
           tr("%1: %2").arg(failed, QString::fromStdString(written.error().message)));
    return false;
  }
  append_log(done.arg(path));
  remember_folder("config", path);
  return true;
}

bool MainWindow::save_config(const QString& path) {
  return write_current_config(write_config, path, tr("Not saved"), tr("Saved the config to %1"));
}

bool MainWindow::export_spargeattn(const QString& path) {
  if (!spargeattn_writer_) {
    notify(Severity::Error, tr("SpargeAttn export is not available in this build."));
    return false;
  }
  return write_current_config(spargeattn_writer_, path, tr("Not exported"),
                              tr("Exported the config for SpargeAttn to %1"));
}

bool MainWindow::open_config(const QString& path) {
  if (!model_identity_) {
    notify(Severity::Error, tr("No model is loaded: a config belongs to a model."));
    return false;
  }
  if (run_controller_->running()) {
    notify(Severity::Warning, tr("A run is going: open the config when it has ended."));
    return false;
  }
  const std::string source = path.toStdString();
  auto config = read_config(source);
  Status loaded =
      config ? check_config_matches(*config, *model_identity_, source) : Status(config.error());
  if (loaded) loaded = load_config_into(*heatmap_model_, *config, path);
  if (!loaded) {
    notify(Severity::Error,
           tr("Not opened: %1").arg(QString::fromStdString(loaded.error().message)));
    return false;
  }
  message_bar_->dismiss();
  remember_folder("config", path);
  append_log(tr("Opened %1 (Edit → Undo puts the heatmap back)").arg(path));
  if (config->blocks != run_panel_->blocks()) {
    append_log(tr("Its thresholds are for %1 blocks: runs now tune for %1 blocks too (Blocks in "
                  "the run panel).")
                   .arg(QString::fromStdString(config->blocks.text())));
  }
  run_panel_->set_blocks(config->blocks);
  return true;
}

}  // namespace afbs::ui
