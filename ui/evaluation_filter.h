#pragma once

#include <QSortFilterProxyModel>
#include <optional>

#include "core/engine/tuning_observer.h"

namespace afbs::ui {

// The evaluations table as the person narrowed it: by layer, head and stage (each optional) and
// by text found in any column (case-insensitive); sorts by value (Qt::UserRole).
class EvaluationFilter : public QSortFilterProxyModel {
  Q_OBJECT
 public:
  explicit EvaluationFilter(QObject* parent = nullptr);

  void set_layer(std::optional<int> layer);
  void set_head(std::optional<int> head);
  void set_stage(std::optional<engine::Stage> stage);
  void set_text(const QString& text);

 protected:
  bool filterAcceptsRow(int source_row, const QModelIndex& source_parent) const override;

 private:
  std::optional<int> layer_, head_;
  std::optional<engine::Stage> stage_;
  QString text_;
};

// `model`'s rows in their current order as CSV: the header row, then each cell's display text
// (quoted where it holds a comma, quote or newline).
QByteArray table_csv(const QAbstractItemModel& model);

}  // namespace afbs::ui
