#pragma once

#include <QMainWindow>

class QTabWidget;
class QPlainTextEdit;

namespace afbs::ui {

class ModelPanel;
class RunPanel;

// Assembles the panels: model and run controls on the left, result tabs in the centre.
class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);

  ModelPanel* model_panel() const { return model_panel_; }
  RunPanel* run_panel() const { return run_panel_; }
  QTabWidget* tabs() const { return tabs_; }

  // Appends a line to the Log tab.
  void append_log(const QString& line);

 private:
  ModelPanel* model_panel_ = nullptr;
  RunPanel* run_panel_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  QPlainTextEdit* log_ = nullptr;
};

}  // namespace afbs::ui
