#pragma once

#include <QStyledItemDelegate>

namespace afbs::ui {

// Paints a heatmap cell: the model's colour, the value in a colour that stays readable on it,
// and a corner mark on pinned heads. Edits θ/τ/λ with a spin box limited to the quantity's range.
class HeatmapDelegate : public QStyledItemDelegate {
  Q_OBJECT
 public:
  using QStyledItemDelegate::QStyledItemDelegate;

  void paint(QPainter* painter, const QStyleOptionViewItem& option,
             const QModelIndex& index) const override;
  QWidget* createEditor(QWidget* parent, const QStyleOptionViewItem& option,
                        const QModelIndex& index) const override;
  void setEditorData(QWidget* editor, const QModelIndex& index) const override;
  void setModelData(QWidget* editor, QAbstractItemModel* model,
                    const QModelIndex& index) const override;
};

}  // namespace afbs::ui
