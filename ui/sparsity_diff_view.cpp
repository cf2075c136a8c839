#include "ui/sparsity_diff_view.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>

namespace afbs::ui {
namespace {

constexpr int kMargin = 8;
constexpr int kAxis = 56;    // room for the layer labels on the left
constexpr int kTitle = 40;   // the title line and the head labels
constexpr int kLegend = 40;  // the scale below the grid

}  // namespace

QColor missing_head_color() {
  return QColor(0xbd, 0xbd, 0xbd);
}

SparsityDiffView::SparsityDiffView(QWidget* parent) : QWidget(parent) {
  setObjectName("sparsityDiff");
  setAutoFillBackground(true);
}

void SparsityDiffView::set_diff(SparsityDiff diff) {
  diff_ = std::move(diff);
  update();
}

double SparsityDiffView::limit() const {
  return std::max(0.01, diff_.largest_change());
}

QRect SparsityDiffView::grid_rect() const {
  return QRect(kMargin + kAxis, kMargin + kTitle, std::max(1, width() - 2 * kMargin - kAxis),
               std::max(1, height() - 2 * kMargin - kTitle - kLegend));
}

QRect SparsityDiffView::cell_rect(int layer, int head) const {
  if (layer < 0 || head < 0 || layer >= diff_.layers || head >= diff_.heads) return {};
  const QRect grid = grid_rect();
  const int x0 = grid.left() + grid.width() * head / diff_.heads;
  const int x1 = grid.left() + grid.width() * (head + 1) / diff_.heads;
  const int y0 = grid.top() + grid.height() * layer / diff_.layers;
  const int y1 = grid.top() + grid.height() * (layer + 1) / diff_.layers;
  return QRect(QPoint(x0, y0), QPoint(x1 - 1, y1 - 1));
}

QString SparsityDiffView::describe_cell(int layer, int head) const {
  auto value = [&](const HeadSparsities& side) {
    const auto found = side.find({layer, head});
    return found == side.end() ? tr("—") : QString::number(found->second, 'f', 4);
  };
  const std::optional<double> d = diff_.difference(layer, head);
  return tr("layer %1, head %2\n%3: %4\n%5: %6\ndifference: %7")
      .arg(layer)
      .arg(head)
      .arg(diff_.a_name, value(diff_.a), diff_.b_name, value(diff_.b))
      .arg(d ? QString::number(*d, 'f', 4) : tr("not in both"));
}

void SparsityDiffView::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.fillRect(rect(), palette().window());
  painter.setPen(palette().color(QPalette::WindowText));
  if (diff_.layers == 0 || diff_.heads == 0) {
    painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                     tr("Select two runs and press Diff sparsity, or one run and Diff with "
                        "config…"));
    return;
  }
  const double scale_end = limit();
  painter.drawText(QRect(kMargin, kMargin, width() - 2 * kMargin, 18),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   tr("Sparsity %1 − %2 (%3 heads compared)")
                       .arg(diff_.b_name, diff_.a_name)
                       .arg(diff_.compared_heads()));
  for (int layer = 0; layer < diff_.layers; ++layer) {
    const QRect row = cell_rect(layer, 0);
    painter.setPen(palette().color(QPalette::WindowText));
    painter.drawText(QRect(kMargin, row.top(), kAxis - 4, row.height()),
                     Qt::AlignRight | Qt::AlignVCenter, tr("L%1").arg(layer));
    for (int head = 0; head < diff_.heads; ++head) {
      const std::optional<double> d = diff_.difference(layer, head);
      painter.fillRect(cell_rect(layer, head),
                       d ? diverging_color(*d, scale_end) : missing_head_color());
    }
  }
  // Thin lines between cells, so equal neighbours (white on white) stay apart, and head labels.
  painter.setPen(QPen(palette().color(QPalette::Mid), 1));
  for (int layer = 0; layer < diff_.layers; ++layer) {
    for (int head = 0; head < diff_.heads; ++head)
      painter.drawRect(cell_rect(layer, head));
  }
  painter.setPen(palette().color(QPalette::WindowText));
  for (int head = 0; head < diff_.heads; ++head) {
    const QRect column = cell_rect(0, head);
    painter.drawText(QRect(column.left(), column.top() - 18, column.width(), 16), Qt::AlignCenter,
                     tr("H%1").arg(head));
  }
  // The scale: −limit … 0 … +limit.
  const QRect grid = grid_rect();
  const QRect bar(grid.left(), grid.bottom() + 10, std::min(grid.width(), 240), 10);
  for (int x = 0; x < bar.width(); ++x) {
    const double value = scale_end * (2.0 * x / std::max(1, bar.width() - 1) - 1.0);
    painter.setPen(diverging_color(value, scale_end));
    painter.drawLine(bar.left() + x, bar.top(), bar.left() + x, bar.bottom());
  }
  painter.setPen(palette().color(QPalette::WindowText));
  const int text_top = bar.bottom() + 2;
  painter.drawText(QRect(bar.left() - 30, text_top, 60, 14), Qt::AlignCenter,
                   QString::number(-scale_end, 'f', 3));
  painter.drawText(QRect(bar.center().x() - 30, text_top, 60, 14), Qt::AlignCenter,
                   QStringLiteral("0"));
  painter.drawText(QRect(bar.right() - 30, text_top, 60, 14), Qt::AlignCenter,
                   QStringLiteral("+") + QString::number(scale_end, 'f', 3));
  painter.drawText(QRect(bar.right() + 36, bar.top() - 3, width() - bar.right() - 36, 16),
                   Qt::AlignLeft | Qt::AlignVCenter,
                   tr("red: %1 sparser; grey: not in both").arg(diff_.b_name));
}

bool SparsityDiffView::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    const QPoint at = static_cast<QHelpEvent*>(event)->pos();
    for (int layer = 0; layer < diff_.layers; ++layer) {
      for (int head = 0; head < diff_.heads; ++head) {
        if (cell_rect(layer, head).contains(at)) {
          QToolTip::showText(static_cast<QHelpEvent*>(event)->globalPos(),
                             describe_cell(layer, head), this);
          return true;
        }
      }
    }
    QToolTip::hideText();
    return true;
  }
  return QWidget::event(event);
}

}  // namespace afbs::ui
