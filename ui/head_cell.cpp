#include "ui/head_cell.h"

namespace afbs::ui {

double setting_value(const engine::HeadSetting& setting, SettingField field) {
  switch (field) {
    case SettingField::Theta:
      return setting.theta;
    case SettingField::Tau:
      return setting.tau;
    case SettingField::Lambda:
      return setting.lambda;
  }
  return 0.0;
}

void set_setting_value(engine::HeadSetting& setting, SettingField field, double value) {
  switch (field) {
    case SettingField::Theta:
      setting.theta = value;
      break;
    case SettingField::Tau:
      setting.tau = value;
      break;
    case SettingField::Lambda:
      setting.lambda = value;
      break;
  }
}

HeadChangeFlags difference(const HeadCell& before, const HeadCell& after) {
  HeadChangeFlags what;
  if (before.setting.theta != after.setting.theta) what |= HeadChangeFlag::Theta;
  if (before.setting.tau != after.setting.tau) what |= HeadChangeFlag::Tau;
  if (before.setting.lambda != after.setting.lambda) what |= HeadChangeFlag::Lambda;
  if (before.pinned != after.pinned) what |= HeadChangeFlag::Pinned;
  if (before.sparse != after.sparse) what |= HeadChangeFlag::Sparse;
  if (before.tuned != after.tuned || before.sparsity != after.sparsity ||
      before.error != after.error || before.meets_target != after.meets_target)
    what |= HeadChangeFlag::Measured;
  return what;
}

}  // namespace afbs::ui
