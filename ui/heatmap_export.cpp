#include "ui/heatmap_export.h"

#include <QString>

#include "ui/heatmap_model.h"

namespace afbs::ui {

QByteArray heatmap_csv(const HeatmapModel& heatmap) {
  QString csv = QStringLiteral(
      "layer,head,theta,tau,lambda,sparse,pinned,tuned,sparsity,error,meets_target\n");
  const auto full = [](double value) { return QString::number(value, 'g', 17); };
  for (int layer = 0; layer < heatmap.layers(); ++layer) {
    for (int head = 0; head < heatmap.heads(); ++head) {
      const HeadCell& cell = heatmap.cell(layer, head);
      csv += QStringLiteral("%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11\n")
                 .arg(layer)
                 .arg(head)
                 .arg(full(cell.setting.theta), full(cell.setting.tau), full(cell.setting.lambda))
                 .arg(int(cell.sparse))
                 .arg(int(cell.pinned))
                 .arg(int(cell.tuned))
                 .arg(cell.tuned ? full(cell.sparsity) : QString(),
                      cell.tuned ? full(cell.error) : QString(),
                      cell.tuned ? QString::number(int(cell.meets_target)) : QString());
    }
  }
  return csv.toUtf8();
}

}  // namespace afbs::ui
