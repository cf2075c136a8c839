#pragma once

#include <QWidget>

#include "ui/tuning_metatypes.h"

class QLabel;
class QProgressBar;

namespace afbs::ui {

// Status-bar view of a run: a progress bar and "layer i/n · evaluations · ETA".
class ProgressIndicator : public QWidget {
  Q_OBJECT
 public:
  explicit ProgressIndicator(QWidget* parent = nullptr);

  QString text() const;
  int permille() const;

  static QString format_duration(double seconds);  // "42 s", "3 min 05 s", "1 h 02 min"

 public Q_SLOTS:
  void show_progress(const afbs::engine::Progress& progress);
  void show_idle(const QString& message);

 private:
  QProgressBar* bar_;
  QLabel* label_;
};

}  // namespace afbs::ui
