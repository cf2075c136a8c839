// MainWindow: the menus (File with models, sessions, configs and recent lists; Edit; Help with
// the keyboard shortcuts and About).

#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QTabWidget>
#include <QUndoStack>

#include "ui/main_window.h"

namespace afbs::ui {
namespace {

QAction* add_action(QMenu* menu, const QString& text, const char* name, QKeySequence shortcut,
                    QObject* receiver, std::function<void()> slot) {
  QAction* action = menu->addAction(text, receiver, std::move(slot));
  action->setObjectName(name);
  if (!shortcut.isEmpty()) action->setShortcut(shortcut);
  return action;
}

}  // namespace

void MainWindow::create_menus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  add_action(file, tr("Open &model…"), "openModelAction", QKeySequence(tr("Ctrl+M")), this, [this] {
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Open model folder"), last_folder("model"));
    if (!dir.isEmpty() && confirm_discard()) open_model(dir);
  });
  recent_models_menu_ = file->addMenu(tr("Recent models"));
  recent_models_menu_->setObjectName("recentModelsMenu");
  file->addSeparator();
  add_action(file, tr("Open s&ession…"), "openSessionAction", QKeySequence(tr("Ctrl+Shift+O")),
             this, [this] {
               const QString path = QFileDialog::getOpenFileName(
                   this, tr("Open session"), last_folder("session"),
                   tr("AFBS sessions (*.afbs-session.json);;All files (*)"));
               if (!path.isEmpty() && confirm_discard()) open_session(path);
             });
  recent_sessions_menu_ = file->addMenu(tr("Recent sessions"));
  recent_sessions_menu_->setObjectName("recentSessionsMenu");
  add_action(file, tr("Save se&ssion"), "saveSessionAction", QKeySequence(tr("Ctrl+Shift+S")), this,
             [this] {
               const QString path = session_path_.isEmpty() ? ask_session_path() : session_path_;
               if (!path.isEmpty()) save_session(path);
             });
  add_action(file, tr("Save session &as…"), "saveSessionAsAction", {}, this, [this] {
    const QString path = ask_session_path();
    if (!path.isEmpty()) save_session(path);
  });
  file->addSeparator();
  add_action(file, tr("&Open config…"), "openConfigAction", QKeySequence::Open, this, [this] {
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open config"), last_folder("config"), tr("AFBS configs (*.json)"));
    if (!path.isEmpty()) open_config(path);
  });
  add_action(file, tr("&Save config…"), "saveConfigAction", QKeySequence::Save, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save config"),
                                                      last_folder("config") + "/config.json",
                                                      tr("AFBS configs (*.json)"));
    if (!path.isEmpty()) save_config(path);
  });
  add_action(file, tr("&Export for SpargeAttn…"), "exportSpargeAttnAction", {}, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export for SpargeAttn"),
                                                      last_folder("config") + "/config.pt",
                                                      tr("torch.save files (*.pt)"));
    if (!path.isEmpty()) export_spargeattn(path);
  });
  add_action(file, tr("Export &view…"), "exportViewAction", QKeySequence(tr("Ctrl+E")), this,
             [this] {
               const QString path = QFileDialog::getSaveFileName(
                   this, tr("Export the current view"), last_folder("export") + "/view.png",
                   tr("PNG image (*.png);;SVG drawing (*.svg);;CSV data (*.csv)"));
               if (!path.isEmpty()) export_view(path);
             });
  file->addSeparator();
  add_action(file, tr("&Quit"), "quitAction", QKeySequence::Quit, this, [this] { close(); });
  // Some platforms have no standard Quit sequence; Ctrl+Q is what people try first.
  if (findChild<QAction*>("quitAction")->shortcut().isEmpty())
    findChild<QAction*>("quitAction")->setShortcut(QKeySequence(tr("Ctrl+Q")));

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = undo_stack_->createUndoAction(this, tr("&Undo"));
  undo->setShortcut(QKeySequence::Undo);
  undo->setObjectName("undoAction");
  QAction* redo = undo_stack_->createRedoAction(this, tr("&Redo"));
  redo->setShortcut(QKeySequence::Redo);
  redo->setObjectName("redoAction");
  edit->addAction(undo);
  edit->addAction(redo);

  // One key per view, so the tabs are reachable without the mouse.
  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (int tab = 0; tab < tabs_->count(); ++tab) {
    QAction* show =
        view->addAction(tabs_->tabText(tab), this, [this, tab] { tabs_->setCurrentIndex(tab); });
    show->setObjectName(QStringLiteral("showTab%1Action").arg(tab + 1));
    show->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(tab + 1)));
  }

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  add_action(help, tr("&Keyboard shortcuts"), "shortcutsAction", QKeySequence::HelpContents, this,
             [this] { show_shortcuts(); });
  add_action(help, tr("&About AFBS Workbench"), "aboutAction", {}, this, [this] { show_about(); });
  refresh_recent_menus();
}

void MainWindow::refresh_recent_menus() {
  const auto fill = [this](QMenu* menu, const QStringList& items, bool models) {
    if (menu == nullptr) return;
    menu->clear();
    for (const QString& item : items) {
      menu->addAction(item, this, [this, item, models] {
        if (!confirm_discard()) return;
        if (models) {
          open_model(item);
        } else {
          open_session(item);
        }
      });
    }
    menu->setEnabled(!items.isEmpty());
  };
  fill(recent_models_menu_, recent_models_, true);
  fill(recent_sessions_menu_, recent_sessions_, false);
}

void MainWindow::show_shortcuts() {
  QString rows;
  for (QAction* action : findChildren<QAction*>()) {
    if (action->shortcut().isEmpty() || action->text().isEmpty()) continue;
    rows += QStringLiteral("<tr><td>%1</td><td><b>%2</b></td></tr>")
                .arg(action->text().remove('&').toHtmlEscaped(),
                     action->shortcut().toString(QKeySequence::NativeText).toHtmlEscaped());
  }
  rows +=
      tr("<tr><td>Pin or unpin the current head (heatmap)</td><td><b>Space</b></td></tr>"
         "<tr><td>Override θ/τ/λ of the current head (heatmap)</td><td><b>F2</b> or "
         "double-click</td></tr>");
  QMessageBox box(QMessageBox::NoIcon, tr("Keyboard shortcuts"),
                  QStringLiteral("<table cellspacing='6'>%1</table>").arg(rows), QMessageBox::Close,
                  this);
  box.setObjectName("shortcutsSheet");
  box.exec();
}

void MainWindow::show_about() {
  QMessageBox::about(
      this, tr("About AFBS Workbench"),
      tr("<h3>AFBS Workbench %1</h3><p>Tunes sparse attention (SpargeAttn-style θ, τ, λ) per "
         "layer and head with AFBS-BO: Bayesian optimisation on short sequences, a binary "
         "search whose length grows as it narrows, validation on held-out windows.</p>"
         "<p>The command line twin is <code>afbs-tune</code>.</p><p>Qt %2</p>")
          .arg(QApplication::applicationVersion(), QString::fromLatin1(qVersion())));
}

}  // namespace afbs::ui
