#include "ui/run_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QPushButton>

namespace afbs::ui {
namespace {

QDoubleSpinBox* make_target_box(double value, QWidget* parent) {
  auto* box = new QDoubleSpinBox(parent);
  box->setRange(0.001, 1.0);
  box->setDecimals(3);
  box->setSingleStep(0.005);
  box->setValue(value);
  return box;
}

}  // namespace

RunPanel::RunPanel(QWidget* parent) : QGroupBox(tr("Run"), parent) {
  auto* form = new QFormLayout(this);
  l1_ = make_target_box(0.05, this);
  l1_->setObjectName("l1Target");
  pv_l1_ = make_target_box(0.06, this);
  pv_l1_->setObjectName("pvL1Target");
  method_ = new QComboBox(this);
  method_->setObjectName("method");
  method_->addItems({"afbs-bo", "grid", "random"});
  form->addRow(tr("Error target ε₁"), l1_);
  form->addRow(tr("PV-skip target ε₂"), pv_l1_);
  form->addRow(tr("Method"), method_);

  auto* buttons = new QHBoxLayout;
  start_ = new QPushButton(tr("Start"), this);
  pause_ = new QPushButton(tr("Pause"), this);
  cancel_ = new QPushButton(tr("Cancel"), this);
  start_->setObjectName("start");
  pause_->setObjectName("pause");
  cancel_->setObjectName("cancel");
  buttons->addWidget(start_);
  buttons->addWidget(pause_);
  buttons->addWidget(cancel_);
  form->addRow(buttons);
  connect(start_, &QPushButton::clicked, this, &RunPanel::start_requested);
  connect(pause_, &QPushButton::clicked, this, &RunPanel::pause_requested);
  connect(cancel_, &QPushButton::clicked, this, &RunPanel::cancel_requested);
  set_running(false);
}

void RunPanel::set_running(bool running) {
  start_->setEnabled(!running);
  pause_->setEnabled(running);
  cancel_->setEnabled(running);
  l1_->setEnabled(!running);
  pv_l1_->setEnabled(!running);
  method_->setEnabled(!running);
  if (!running) set_paused(false);
}

void RunPanel::set_paused(bool paused) {
  pause_->setText(paused ? tr("Resume") : tr("Pause"));
}

double RunPanel::l1_target() const {
  return l1_->value();
}
double RunPanel::pv_l1_target() const {
  return pv_l1_->value();
}
QString RunPanel::method() const {
  return method_->currentText();
}

}  // namespace afbs::ui
