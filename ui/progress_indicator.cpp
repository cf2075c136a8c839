#include "ui/progress_indicator.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <algorithm>
#include <cmath>

namespace afbs::ui {

ProgressIndicator::ProgressIndicator(QWidget* parent) : QWidget(parent) {
  bar_ = new QProgressBar(this);
  bar_->setRange(0, 1000);
  bar_->setTextVisible(false);
  bar_->setFixedWidth(220);
  label_ = new QLabel(tr("Idle"), this);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(label_);
  layout->addWidget(bar_);
}

QString ProgressIndicator::text() const {
  return label_->text();
}

int ProgressIndicator::permille() const {
  return bar_->value();
}

QString ProgressIndicator::format_duration(double seconds) {
  const auto whole = static_cast<long long>(std::llround(std::max(seconds, 0.0)));
  if (whole < 60) return tr("%1 s").arg(whole);
  if (whole < 3600) return tr("%1 min %2 s").arg(whole / 60).arg(whole % 60, 2, 10, QChar('0'));
  return tr("%1 h %2 min").arg(whole / 3600).arg((whole % 3600) / 60, 2, 10, QChar('0'));
}

void ProgressIndicator::show_progress(const engine::Progress& progress) {
  bar_->setValue(int(std::lround(std::clamp(progress.fraction, 0.0, 1.0) * 1000.0)));
  QString text = tr("Layer %1/%2 · %3 evaluations · %4")
                     .arg(std::min(progress.layers_done + 1, progress.layers_total))
                     .arg(progress.layers_total)
                     .arg(progress.counts.evaluations)
                     .arg(format_duration(progress.elapsed_seconds));
  text += progress.eta_seconds >= 0.0 ? tr(" · ETA %1").arg(format_duration(progress.eta_seconds))
                                      : tr(" · ETA unknown");
  label_->setText(text);
}

void ProgressIndicator::show_phase(const engine::PhaseProgress& progress) {
  QString text = QString::fromStdString(progress.phase);
  if (progress.total > 0) {
    bar_->setValue(
        int(std::lround(1000.0 * std::clamp(double(progress.done) / progress.total, 0.0, 1.0))));
    text += tr(" %1/%2").arg(progress.done).arg(progress.total);
  } else {
    bar_->setValue(0);
  }
  text += tr(" · %1").arg(format_duration(progress.elapsed_seconds));
  text += progress.eta_seconds >= 0.0 ? tr(" · ETA %1").arg(format_duration(progress.eta_seconds))
                                      : tr(" · ETA unknown");
  label_->setText(text);
}

void ProgressIndicator::show_idle(const QString& message) {
  label_->setText(message);
}

}  // namespace afbs::ui
