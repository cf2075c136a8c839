#pragma once

#include <QAbstractButton>
#include <QApplication>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTimer>
#include <functional>

#include "ui/main_window.h"
#include "ui/opened_model.h"

namespace afbs::ui::testing {

inline QString log_text(const MainWindow& window) {
  return window.findChild<QPlainTextEdit*>("log")->toPlainText();
}

// A model as the app's opener would describe it, with `jobs` as its job factory.
inline OpenedModel toy_model(int layers, int heads, TuningJobFactory jobs = {},
                             const QString& dir = QStringLiteral("/models/toy")) {
  OpenedModel model;
  model.dir = dir;
  model.rows = {{QStringLiteral("Name"), QStringLiteral("toy")}};
  model.layers = layers;
  model.heads = heads;
  model.context_tokens = 2048;
  model.identity = ModelIdentity{"toy", "f00d", layers, heads, 2, 64};
  model.jobs = std::move(jobs);
  return model;
}

// A job factory whose jobs run `job` (whatever the options).
inline TuningJobFactory jobs_running(TuningJob job) {
  return [job](const engine::EngineOptions&, engine::PinSource) { return job; };
}

// Presses `button` on the next modal message box as soon as it shows; returns whether one
// showed (read it after the call that opens the box has returned).
class ModalAnswer {
 public:
  explicit ModalAnswer(QMessageBox::StandardButton button) : button_(button) {
    timer_.setInterval(10);
    QObject::connect(&timer_, &QTimer::timeout, [this] {
      auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
      if (box == nullptr) return;
      shown_text_ = box->text();
      shown_ = true;
      timer_.stop();
      box->button(button_)->click();
    });
    timer_.start();
  }
  bool shown() const { return shown_; }
  QString shown_text() const { return shown_text_; }

 private:
  QMessageBox::StandardButton button_;
  QTimer timer_;
  bool shown_ = false;
  QString shown_text_;
};

}  // namespace afbs::ui::testing
