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
  auto* start = new QPushButton(tr("Start"), this);
  auto* pause = new QPushButton(tr("Pause"), this);
  auto* cancel = new QPushButton(tr("Cancel"), this);
  start->setObjectName("start");
  buttons->addWidget(start);
  buttons->addWidget(pause);
  buttons->addWidget(cancel);
  form->addRow(buttons);
  connect(start, &QPushButton::clicked, this, &RunPanel::start_requested);
  connect(pause, &QPushButton::clicked, this, &RunPanel::pause_requested);
  connect(cancel, &QPushButton::clicked, this, &RunPanel::cancel_requested);
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
