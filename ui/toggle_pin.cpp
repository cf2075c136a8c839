#include "ui/toggle_pin.h"

#include <QCoreApplication>

#include "ui/heatmap_model.h"

namespace afbs::ui {

TogglePin::TogglePin(HeatmapModel* model, int layer, int head, const HeadCell& before)
    : model_(model),
      layer_(layer),
      head_(head),
      pinned_before_(before.pinned),
      pinned_after_(!before.pinned) {
  setText(
      pinned_after_
          ? QCoreApplication::translate("TogglePin", "Pin layer %1 head %2").arg(layer).arg(head)
          : QCoreApplication::translate("TogglePin", "Unpin layer %1 head %2")
                .arg(layer)
                .arg(head));
}

// Only the pin flag is this command's: other fields may have changed since (a layer result).
void TogglePin::apply(bool pinned) {
  HeadCell cell = model_->cell(layer_, head_);
  cell.pinned = pinned;
  model_->write_cell(layer_, head_, cell);
}

void TogglePin::undo() {
  apply(pinned_before_);
}

void TogglePin::redo() {
  apply(pinned_after_);
}

bool TogglePin::mergeWith(const QUndoCommand* other) {
  const auto* next = static_cast<const TogglePin*>(other);
  if (next->model_ != model_ || next->layer_ != layer_ || next->head_ != head_) return false;
  pinned_after_ = next->pinned_after_;
  setText(next->text());
  setObsolete(pinned_after_ == pinned_before_);
  return true;
}

}  // namespace afbs::ui
