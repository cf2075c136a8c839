#include "ui/heatmap_delegate.h"

#include <QDoubleSpinBox>
#include <QPainter>
#include <QPainterPath>

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
  auto* editor = new QDoubleSpinBox(parent);
  const auto [low, high] = HeatmapModel::range_for(model->quantity(), model->error_scale());
  editor->setRange(low, high);
  editor->setDecimals(model->quantity() == HeatQuantity::Lambda ? 1 : 3);
  editor->setSingleStep(model->quantity() == HeatQuantity::Lambda ? 1.0 : 0.01);
  editor->setFrame(false);
  return editor;
}

void HeatmapDelegate::setEditorData(QWidget* editor, const QModelIndex& index) const {
  if (auto* box = qobject_cast<QDoubleSpinBox*>(editor)) {
    box->setValue(index.data(Qt::EditRole).toDouble());
    return;
  }
  QStyledItemDelegate::setEditorData(editor, index);
}

void HeatmapDelegate::setModelData(QWidget* editor, QAbstractItemModel* model,
                                   const QModelIndex& index) const {
  if (auto* box = qobject_cast<QDoubleSpinBox*>(editor)) {
    box->interpretText();
    // Unchanged values would still push an (empty) command otherwise.
    if (box->value() != index.data(Qt::EditRole).toDouble())
      model->setData(index, box->value(), Qt::EditRole);
    return;
  }
  QStyledItemDelegate::setModelData(editor, model, index);
}

}  // namespace afbs::ui
