#include "ui/model_panel.h"

#include <QFormLayout>
#include <QLabel>

namespace afbs::ui {

ModelPanel::ModelPanel(QWidget* parent) : QGroupBox(tr("Model"), parent) {
  form_ = new QFormLayout(this);
  form_->addRow(new QLabel(tr("No model loaded."), this));
}

void ModelPanel::show_rows(const QList<QPair<QString, QString>>& rows) {
  while (form_->rowCount() > 0)
    form_->removeRow(0);
  for (const auto& [label, value] : rows) {
    auto* shown = new QLabel(value, this);
    shown->setTextInteractionFlags(Qt::TextSelectableByMouse);
    form_->addRow(label, shown);
  }
}

}  // namespace afbs::ui
