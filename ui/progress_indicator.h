#pragma once

#include <QWidget>

#include "ui/tuning_metatypes.h"

class QLabel;
class QProgressBar;

namespace afbs::ui {

// Status-bar view of a run: a progress bar and "layer i/n · evaluations · ETA", or the phase
// the run is in (load, capture, guard, quality) with its own progress.
class ProgressIndicator : public QWidget {
  Q_OBJECT
 public:
  explicit ProgressIndicator(QWidget* parent = nullptr);

  QString text() const;
  int permille() const;

  static QString format_duration(double seconds);  // "42 s", "3 min 05 s", "1 h 02 min"

 public Q_SLOTS:
  void show_progress(const afbs::engine::Progress& progress);
  // A phase outside the layer tuning: "guard round 1: tuned perplexity 3/8 · 12 s · ETA 40 s".
  void show_phase(const afbs::engine::PhaseProgress& progress);
  void show_idle(const QString& message);

 private:
  QProgressBar* bar_;
  QLabel* label_;
};

}  // namespace afbs::ui
