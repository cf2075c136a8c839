#include "ui/change_head_setting.h"

#include <QCoreApplication>

#include "ui/heatmap_model.h"

namespace afbs::ui {
namespace {

QString field_name(SettingField field) {
  switch (field) {
    case SettingField::Theta:
      return QStringLiteral("θ");
    case SettingField::Tau:
      return QStringLiteral("τ");
    case SettingField::Lambda:
      return QStringLiteral("λ");
  }
  return {};
}

}  // namespace

ChangeHeadSetting::ChangeHeadSetting(HeatmapModel* model, int layer, int head, SettingField field,
                                     const HeadCell& before, const HeadCell& after)
    : model_(model), layer_(layer), head_(head), field_(field), before_(before), after_(after) {
  setText(QCoreApplication::translate("ChangeHeadSetting", "Set %1 of layer %2 head %3 to %4")
              .arg(field_name(field))
              .arg(layer)
              .arg(head)
              .arg(setting_value(after.setting, field)));
}

// Writes only what this command owns (the field, the pin, dense/sparse, whether the measured
// values apply), so a layer result
// that arrived in between survives an undo.
void ChangeHeadSetting::apply(const HeadCell& source) {
  HeadCell cell = model_->cell(layer_, head_);
  set_setting_value(cell.setting, field_, setting_value(source.setting, field_));
  cell.pinned = source.pinned;
  cell.sparse = source.sparse;
  cell.tuned = source.tuned;  // the measurement applies only to the setting it was made at
  model_->write_cell(layer_, head_, cell);
}

void ChangeHeadSetting::undo() {
  apply(before_);
}

void ChangeHeadSetting::redo() {
  apply(after_);
}

bool ChangeHeadSetting::mergeWith(const QUndoCommand* other) {
  const auto* next = static_cast<const ChangeHeadSetting*>(other);
  if (next->model_ != model_ || next->layer_ != layer_ || next->head_ != head_ ||
      next->field_ != field_)
    return false;
  after_ = next->after_;
  setText(next->text());
  // Edited back to where it started: nothing left to undo.
  setObsolete(setting_value(after_.setting, field_) == setting_value(before_.setting, field_) &&
              after_.pinned == before_.pinned && after_.sparse == before_.sparse &&
              after_.tuned == before_.tuned);
  return true;
}

}  // namespace afbs::ui
