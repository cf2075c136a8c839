#pragma once

#include <QStyledItemDelegate>
#include <optional>

namespace afbs::ui {

// Paints a heatmap cell: the model's colour, the value in a colour that stays readable on it,
// a corner mark on pinned heads and a red edge on heads that miss their target. Edits θ/τ/λ in
// a line edit; text that is not a number in the quantity's range is refused with a message.
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

  // A number as a person types it (local or C decimal point); nullopt when it is not one.
  static std::optional<double> parse_override(const QString& text);

 Q_SIGNALS:
  // An edit was not applied; `why` says what was typed and what is allowed.
  void edit_refused(const QString& why) const;
};

}  // namespace afbs::ui
