#include "ui/heatmap_delegate.h"

#include <QLineEdit>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <cmath>

#include "ui/heatmap_model.h"

namespace afbs::ui {

void HeatmapDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option,
                            const QModelIndex& index) const {
  painter->save();
  const QColor fill = index.data(Qt::BackgroundRole).value<QColor>();
  painter->fillRect(option.rect, fill);
  // Rec. 709 luma decides between dark and light text.
  const double luma = 0.2126 * fill.redF() + 0.7152 * fill.greenF() + 0.0722 * fill.blueF();
  painter->setPen(luma > 0.5 ? Qt::black : Qt::white);
  painter->drawText(option.rect, Qt::AlignCenter, index.data(Qt::DisplayRole).toString());

  if (index.data(HeatmapModel::PinnedRole).toBool()) {
    const QRect r = option.rect;
    const int size = std::min(r.width(), r.height()) / 2;
    QPainterPath corner;
    corner.moveTo(r.topRight());
    corner.lineTo(r.topRight() + QPoint(-size, 0));
    corner.lineTo(r.topRight() + QPoint(0, size));
    corner.closeSubpath();
    painter->setRenderHint(QPainter::Antialiasing);
    painter->fillPath(corner, QColor(230, 30, 60));
    painter->setPen(QPen(Qt::white, 1.0));
    painter->drawPath(corner);
  }
  if (index.data(HeatmapModel::MissesTargetRole).toBool()) {
    painter->setPen(QPen(QColor(230, 30, 60), 2.0, Qt::DashLine));
    painter->drawRect(option.rect.adjusted(2, 2, -2, -2));
  }
  if (option.state & QStyle::State_Selected) {
    painter->setPen(QPen(option.palette.highlight().color(), 2.0));
    painter->drawRect(option.rect.adjusted(1, 1, -1, -1));
  }
  painter->restore();
}

QWidget* HeatmapDelegate::createEditor(QWidget* parent, const QStyleOptionViewItem& option,
                                       const QModelIndex& index) const {
  const auto* model = qobject_cast<const HeatmapModel*>(index.model());
  if (model == nullptr) return QStyledItemDelegate::createEditor(parent, option, index);
  // A line edit, not a spin box: what the person typed is checked on commit and refused with
  // a message, never silently replaced by the old value.
  auto* editor = new QLineEdit(parent);
  editor->setObjectName("overrideEditor");
  editor->setFrame(false);
  editor->setAlignment(Qt::AlignCenter);
  const auto [low, high] = HeatmapModel::range_for(model->quantity(), model->error_scale());
  editor->setToolTip(tr("A number from %1 to %2; Enter applies it and pins the head, Escape "
                        "leaves it as it was")
                         .arg(low)
                         .arg(high));
  return editor;
}

void HeatmapDelegate::setEditorData(QWidget* editor, const QModelIndex& index) const {
  if (auto* line = qobject_cast<QLineEdit*>(editor)) {
    line->setText(QString::number(index.data(Qt::EditRole).toDouble(), 'g', 6));
    line->selectAll();
    return;
  }
  QStyledItemDelegate::setEditorData(editor, index);
}

void HeatmapDelegate::setModelData(QWidget* editor, QAbstractItemModel* model,
                                   const QModelIndex& index) const {
  auto* line = qobject_cast<QLineEdit*>(editor);
  const auto* heatmap = qobject_cast<const HeatmapModel*>(model);
  if (line == nullptr || heatmap == nullptr) {
    QStyledItemDelegate::setModelData(editor, model, index);
    return;
  }
  const std::optional<double> value = parse_override(line->text());
  const auto [low, high] = HeatmapModel::range_for(heatmap->quantity(), heatmap->error_scale());
  if (!value || *value < low || *value > high) {
    Q_EMIT edit_refused(tr("Not applied to layer %1 head %2: '%3' is not a number from %4 to %5")
                            .arg(index.row())
                            .arg(index.column())
                            .arg(line->text().trimmed())
                            .arg(low)
                            .arg(high));
    return;
  }
  // Unchanged values would still push an (empty) command otherwise.
  if (*value != index.data(Qt::EditRole).toDouble()) model->setData(index, *value, Qt::EditRole);
}

std::optional<double> HeatmapDelegate::parse_override(const QString& text) {
  const QString trimmed = text.trimmed();
  bool ok = false;
  double value = QLocale().toDouble(trimmed, &ok);
  if (!ok) value = QLocale::c().toDouble(trimmed, &ok);  // "0.5" also where "0,5" is local
  if (!ok || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace afbs::ui
