// MainWindow: sessions (save, open, autosave, restore), the modified mark, the close prompt and
// what persists in QSettings (window layout, recent models and sessions, last folders).

#include <QCloseEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSettings>
#include <QTimer>
#include <QUndoStack>

#include "ui/convergence_chart.h"
#include "ui/heatmap_model.h"
#include "ui/main_window.h"
#include "ui/recent_files.h"
#include "ui/run_controller.h"
#include "ui/run_panel.h"

namespace afbs::ui {

SessionDocument MainWindow::capture_session() const {
  SessionDocument session;
  session.model_dir = model_dir_;
  if (model_identity_)
    session.model_fingerprint = QString::fromStdString(model_identity_->fingerprint);
  session.run = run_panel_->settings();
  session.layers = heatmap_model_->layers();
  session.heads = heatmap_model_->heads();
  for (int layer = 0; layer < session.layers; ++layer)
    for (int head = 0; head < session.heads; ++head)
      session.cells.push_back(heatmap_model_->cell(layer, head));
  session.last_tuning = last_tuning_;
  session.blocks = heatmap_model_->blocks();
  session.evaluations = run_records_;
  session.quality = quality_points_;
  session.runs = run_history_->runs();
  session.log = log_->toPlainText();
  session.notes = notes_->toPlainText();
  session.saved_to = session_path_;
  session.unsaved = isWindowModified();
  return session;
}

bool MainWindow::restore_session(const SessionDocument& session, const QString& source) {
  if (run_controller_->running()) {
    notify(Severity::Warning, tr("A run is going: open the session when it has ended."));
    return false;
  }
  if (!session.model_dir.isEmpty() && session.model_dir != model_dir_ &&
      !open_model(session.model_dir)) {
    notify(Severity::Error, tr("Not opened: %1 is a session for the model %2, which cannot be "
                               "opened (see the log)")
                                .arg(source, session.model_dir));
    return false;
  }
  if (model_identity_ && !session.model_fingerprint.isEmpty() &&
      session.model_fingerprint.toStdString() != model_identity_->fingerprint) {
    notify(Severity::Error, tr("Not opened: %1 was made for another model (fingerprint %2, the "
                               "model's is %3)")
                                .arg(source, session.model_fingerprint,
                                     QString::fromStdString(model_identity_->fingerprint)));
    return false;
  }
  if (model_identity_ &&
      (session.layers != heatmap_model_->layers() || session.heads != heatmap_model_->heads())) {
    notify(Severity::Error, tr("Not opened: %1 has %2 layers × %3 heads, the model %4 × %5")
                                .arg(source)
                                .arg(session.layers)
                                .arg(session.heads)
                                .arg(heatmap_model_->layers())
                                .arg(heatmap_model_->heads()));
    return false;
  }
  heatmap_model_->set_dimensions(session.layers, session.heads);  // clears the undo history
  std::size_t index = 0;
  for (int layer = 0; layer < session.layers; ++layer)
    for (int head = 0; head < session.heads; ++head)
      heatmap_model_->write_cell(layer, head, session.cells[index++]);
  run_panel_->apply_settings(session.run);
  clear_run_views();
  previous_quality_.clear();
  last_tuning_ = session.last_tuning;
  heatmap_model_->set_blocks(session.blocks);
  convergence_->set_error_target(session.run.l1_target);
  for (const engine::EvaluationRecord& record : session.evaluations)
    convergence_->add_record(record);
  run_records_ = session.evaluations;
  quality_points_ = session.quality;
  run_history_->set_runs(session.runs);
  show_quality_points();
  log_->setPlainText(session.log);
  notes_->setPlainText(session.notes);
  message_bar_->dismiss();
  return true;
}

bool MainWindow::save_session(const QString& path) {
  SessionDocument session = capture_session();
  session.saved_to = path;
  session.unsaved = false;
  if (Status written = write_session(session, path); !written) {
    notify(Severity::Error,
           tr("Session not saved: %1").arg(QString::fromStdString(written.error().message)));
    return false;
  }
  append_log(tr("Saved the session to %1").arg(path));
  mark_saved(path);
  autosave_now();
  return true;
}

bool MainWindow::open_session(const QString& path) {
  auto session = read_session(path);
  if (!session) {
    notify(Severity::Error,
           tr("Session not opened: %1").arg(QString::fromStdString(session.error().message)));
    return false;
  }
  if (!restore_session(*session, path)) return false;
  append_log(tr("Opened the session %1").arg(path));
  mark_saved(path);
  return true;
}

void MainWindow::set_autosave_path(const QString& path) {
  autosave_path_ = path;
}

bool MainWindow::autosave_now() {
  autosave_timer_->stop();
  if (autosave_path_.isEmpty()) return false;
  if (Status written = write_session(capture_session(), autosave_path_); !written) {
    append_log(tr("Autosave failed: %1").arg(QString::fromStdString(written.error().message)));
    return false;
  }
  return true;
}

void MainWindow::report_escaped_exception(const QString& what) {
  const bool saved = autosave_now();
  notify(Severity::Error,
         saved ? tr("Internal error: %1. Your session was autosaved; save it, and restart if "
                    "something looks wrong.")
                     .arg(what)
               : tr("Internal error: %1. Save your session, and restart if something looks "
                    "wrong.")
                     .arg(what));
}

bool MainWindow::restore_autosave() {
  if (autosave_path_.isEmpty() || !QFileInfo::exists(autosave_path_)) return false;
  auto session = read_session(autosave_path_);
  if (!session) {
    append_log(tr("The autosaved session was not restored: %1")
                   .arg(QString::fromStdString(session.error().message)));
    return false;
  }
  // Only the session of the model being opened: another model's autosave stays on disk.
  if (!model_identity_ || session->model_fingerprint.toStdString() != model_identity_->fingerprint)
    return false;
  if (!restore_session(*session, autosave_path_)) return false;
  session_path_ = session->saved_to;
  setWindowModified(session->unsaved);
  update_title();
  append_log(
      tr("Restored the session as it was when the workbench closed (heatmap, pins, last "
         "run, quality, log)."));
  return true;
}

void MainWindow::mark_modified() {
  setWindowModified(true);
  if (!autosave_path_.isEmpty() && !autosave_timer_->isActive()) autosave_timer_->start();
}

void MainWindow::mark_saved(const QString& path) {
  session_path_ = path;
  setWindowModified(false);
  remember_recent_session(path);
  remember_folder("session", path);
  update_title();
}

void MainWindow::update_title() {
  QString name =
      session_path_.isEmpty() ? tr("Untitled session") : QFileInfo(session_path_).fileName();
  if (!model_dir_.isEmpty()) name += tr(" (%1)").arg(QFileInfo(model_dir_).fileName());
  setWindowTitle(tr("%1[*] — AFBS Workbench").arg(name));
}

QString MainWindow::ask_session_path() {
  const QString suggested = last_folder("session") + "/" +
                            (session_path_.isEmpty() ? QStringLiteral("tuning.afbs-session.json")
                                                     : QFileInfo(session_path_).fileName());
  return QFileDialog::getSaveFileName(this, tr("Save session"), suggested,
                                      tr("AFBS sessions (*.afbs-session.json)"));
}

bool MainWindow::confirm_discard() {
  if (!isWindowModified()) return true;
  QMessageBox box(QMessageBox::Question, tr("Unsaved session"),
                  tr("This session has changes that are not saved in a session file."),
                  QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
  box.setObjectName("unsavedPrompt");
  box.setInformativeText(tr("Save them before going on?"));
  box.setDefaultButton(QMessageBox::Save);
  const int choice = box.exec();
  if (choice == QMessageBox::Cancel) return false;
  if (choice == QMessageBox::Discard) return true;
  const QString path = session_path_.isEmpty() ? ask_session_path() : session_path_;
  return !path.isEmpty() && save_session(path);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  if (!confirm_discard()) {
    event->ignore();
    return;
  }
  if (isWindowModified() && !autosave_path_.isEmpty()) {
    QFile::remove(autosave_path_);  // discarded: the next start begins afresh
  } else {
    autosave_now();
  }
  autosave_timer_->stop();
  autosave_path_.clear();  // nothing after this point may write it again
  if (settings_) {
    settings_->setValue("window/geometry", saveGeometry());
    settings_->setValue("window/state", saveState());
  }
  if (run_controller_->running()) {
    append_log(tr("Closing: cancelling the run."));
    run_controller_->cancel();
  }
  event->accept();
}

void MainWindow::set_settings(QSettings* settings) {
  settings_ = settings;
  settings_->setParent(this);
  recent_models_ = settings_->value("recent/models").toStringList();
  recent_sessions_ = settings_->value("recent/sessions").toStringList();
  restoreGeometry(settings_->value("window/geometry").toByteArray());
  restoreState(settings_->value("window/state").toByteArray());
  refresh_recent_menus();
}

QString MainWindow::last_folder(const QString& purpose) const {
  return settings_ ? settings_->value("folders/" + purpose).toString() : QString();
}

void MainWindow::remember_folder(const QString& purpose, const QString& file_or_folder) {
  if (!settings_) return;
  const QFileInfo info(file_or_folder);
  settings_->setValue("folders/" + purpose,
                      info.isDir() ? info.absoluteFilePath() : info.absolutePath());
}

void MainWindow::remember_recent_model(const QString& dir) {
  recent_models_ = push_recent(recent_models_, QFileInfo(dir).absoluteFilePath());
  if (settings_) settings_->setValue("recent/models", recent_models_);
  refresh_recent_menus();
}

void MainWindow::remember_recent_session(const QString& path) {
  recent_sessions_ = push_recent(recent_sessions_, QFileInfo(path).absoluteFilePath());
  if (settings_) settings_->setValue("recent/sessions", recent_sessions_);
  refresh_recent_menus();
}

}  // namespace afbs::ui
