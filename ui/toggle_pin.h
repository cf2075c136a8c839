#pragma once

#include <QUndoCommand>

#include "ui/head_cell.h"

namespace afbs::ui {

class HeatmapModel;

// Pins or unpins one head. A second toggle of the same cell right after merges with the first
// and cancels it, leaving nothing on the stack.
class TogglePin : public QUndoCommand {
 public:
  static constexpr int kId = 0x4146'0002;

  TogglePin(HeatmapModel* model, int layer, int head, const HeadCell& before);

  void undo() override;
  void redo() override;
  int id() const override { return kId; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  void apply(bool pinned);

  HeatmapModel* model_;
  int layer_;
  int head_;
  bool pinned_before_;
  bool pinned_after_;
};

}  // namespace afbs::ui
