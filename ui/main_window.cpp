#include "ui/main_window.h"

#include <QDockWidget>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QVBoxLayout>

#include "ui/model_panel.h"
#include "ui/run_panel.h"

namespace afbs::ui {
namespace {

QWidget* placeholder(const QString& text, QWidget* parent) {
  auto* label = new QLabel(text, parent);
  label->setAlignment(Qt::AlignCenter);
  label->setEnabled(false);
  return label;
}

}  // namespace

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

  tabs_ = new QTabWidget(this);
  tabs_->addTab(placeholder(tr("Convergence curves appear here during a run."), tabs_),
                tr("Convergence"));
  tabs_->addTab(placeholder(tr("The layer × head sparsity heatmap appears here."), tabs_),
                tr("Heatmap"));
  tabs_->addTab(placeholder(tr("Perplexity and memory versus length appear here."), tabs_),
                tr("Quality"));
  log_ = new QPlainTextEdit(tabs_);
  log_->setReadOnly(true);
  tabs_->addTab(log_, tr("Log"));
  setCentralWidget(tabs_);
}

void MainWindow::append_log(const QString& line) {
  log_->appendPlainText(line);
}

}  // namespace afbs::ui
