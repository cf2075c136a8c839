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

QByteArray heatmap_svg(const HeatmapModel& heatmap) {
  constexpr int kCell = 48, kLeft = 40, kTop = 24;
  const int width = kLeft + kCell * heatmap.heads() + 8;
  const int height = kTop + kCell * heatmap.layers() + 8;
  QString svg = QStringLiteral(
                    "<?xml version='1.0' encoding='UTF-8'?>\n"
                    "<svg xmlns='http://www.w3.org/2000/svg' width='%1' height='%2' "
                    "font-family='sans-serif' font-size='11'>\n"
                    "<rect width='100%' height='100%' fill='white'/>\n")
                    .arg(width)
                    .arg(height);
  for (int head = 0; head < heatmap.heads(); ++head)
    svg += QStringLiteral("<text x='%1' y='16' text-anchor='middle'>H%2</text>\n")
               .arg(kLeft + kCell * head + kCell / 2)
               .arg(head);
  for (int layer = 0; layer < heatmap.layers(); ++layer) {
    svg += QStringLiteral("<text x='4' y='%1'>L%2</text>\n")
               .arg(kTop + kCell * layer + kCell / 2 + 4)
               .arg(layer);
    for (int head = 0; head < heatmap.heads(); ++head) {
      const QModelIndex index = heatmap.index(layer, head);
      const QColor fill = index.data(Qt::BackgroundRole).value<QColor>();
      const double luma = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF();
      const int x = kLeft + kCell * head, y = kTop + kCell * layer;
      svg += QStringLiteral(
                 "<rect x='%1' y='%2' width='%3' height='%3' fill='%4'/>"
                 "<text x='%5' y='%6' text-anchor='middle' fill='%7'>%8</text>\n")
                 .arg(x)
                 .arg(y)
                 .arg(kCell)
                 .arg(fill.name())
                 .arg(x + kCell / 2)
                 .arg(y + kCell / 2 + 4)
                 .arg(luma > 0.5 ? "black" : "white")
                 .arg(index.data(Qt::DisplayRole).toString().toHtmlEscaped());
      if (index.data(HeatmapModel::PinnedRole).toBool())
        svg += QStringLiteral("<polygon points='%1,%2 %3,%2 %3,%4' fill='#e61e3c'/>\n")
                   .arg(x + kCell / 2)
                   .arg(y)
                   .arg(x + kCell)
                   .arg(y + kCell / 2);
      if (index.data(HeatmapModel::MissesTargetRole).toBool())
        svg += QStringLiteral(
                   "<rect x='%1' y='%2' width='%3' height='%3' fill='none' stroke='#e61e3c' "
                   "stroke-width='2' stroke-dasharray='4 3'/>\n")
                   .arg(x + 2)
                   .arg(y + 2)
                   .arg(kCell - 4);
    }
  }
  svg += QStringLiteral("</svg>\n");
  return svg.toUtf8();
}

}  // namespace afbs::ui
