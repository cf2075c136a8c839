#include "ui/block_shape_change.h"

#include <QCoreApplication>
#include <algorithm>

#include "ui/heatmap_model.h"

namespace afbs::ui {
namespace {

QString shape_text(BlockShape shape) {
  return QStringLiteral("%1 × %2").arg(shape.query).arg(shape.key);
}

QString tr(const char* text) {
  return QCoreApplication::translate("BlockShapeChange", text);
}

}  // namespace

QString block_shape_change_problem(const HeatmapModel& heatmap, BlockShape run_blocks,
                                   const std::vector<int>& layers, bool retune) {
  const BlockShape held = heatmap.blocks();
  if (run_blocks == held) return {};
  const QString both = tr("the heatmap's thresholds are for %1 blocks, the run panel asks for %2")
                           .arg(shape_text(held), shape_text(run_blocks));
  if (retune) {
    return tr("%1: re-tuning selected heads keeps the heatmap's shape; choose %2 under Blocks")
        .arg(both, shape_text(held));
  }
  int pinned = 0;
  bool tuned_outside = false;
  for (int layer = 0; layer < heatmap.layers(); ++layer) {
    const bool in_run =
        layers.empty() || std::find(layers.begin(), layers.end(), layer) != layers.end();
    for (int head = 0; head < heatmap.heads(); ++head) {
      const HeadCell cell = heatmap.cell(layer, head);
      pinned += cell.pinned ? 1 : 0;
      tuned_outside = tuned_outside || (!in_run && cell.tuned);
    }
  }
  if (pinned > 0) {
    return tr("%1: %2 pinned head(s) hold %3 thresholds; unpin them, or choose %3 under Blocks")
        .arg(both)
        .arg(pinned)
        .arg(shape_text(held));
  }
  if (tuned_outside) {
    return tr("%1: layers outside this run hold tuned %2 thresholds; tune every layer, or choose "
              "%2 under Blocks")
        .arg(both, shape_text(held));
  }
  return {};
}

}  // namespace afbs::ui
