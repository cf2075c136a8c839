#pragma once

#include <QUndoCommand>

#include "ui/head_cell.h"

namespace afbs::ui {

class HeatmapModel;

// Overrides θ, τ or λ of one head (and pins it). Repeated edits of the same field of the same
// cell merge into one command, so one undo returns to the value before the first edit.
class ChangeHeadSetting : public QUndoCommand {
 public:
  static constexpr int kId = 0x4146'0001;

  ChangeHeadSetting(HeatmapModel* model, int layer, int head, SettingField field,
                    const HeadCell& before, const HeadCell& after);

  void undo() override;
  void redo() override;
  int id() const override { return kId; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  void apply(const HeadCell& source);

  HeatmapModel* model_;
  int layer_;
  int head_;
  SettingField field_;
  HeadCell before_;
  HeadCell after_;
};

}  // namespace afbs::ui
