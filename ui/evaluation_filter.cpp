#include "ui/evaluation_filter.h"

#include "ui/evaluation_table_model.h"

namespace afbs::ui {

EvaluationFilter::EvaluationFilter(QObject* parent) : QSortFilterProxyModel(parent) {
  setSortRole(Qt::UserRole);  // numbers sort as numbers
}

void EvaluationFilter::set_layer(std::optional<int> layer) {
  layer_ = layer;
  invalidateFilter();
}

void EvaluationFilter::set_head(std::optional<int> head) {
  head_ = head;
  invalidateFilter();
}

void EvaluationFilter::set_stage(std::optional<engine::Stage> stage) {
  stage_ = stage;
  invalidateFilter();
}

void EvaluationFilter::set_text(const QString& text) {
  text_ = text.trimmed();
  invalidateFilter();
}

bool EvaluationFilter::filterAcceptsRow(int source_row, const QModelIndex& source_parent) const {
  const QAbstractItemModel* model = sourceModel();
  auto value = [&](int column) {
    return model->index(source_row, column, source_parent).data(Qt::UserRole).toInt();
  };
  if (layer_ && value(EvaluationTableModel::Layer) != *layer_) return false;
  if (head_ && value(EvaluationTableModel::Head) != *head_) return false;
  if (stage_ && value(EvaluationTableModel::Stage) != int(*stage_)) return false;
  if (text_.isEmpty()) return true;
  for (int column = 0; column < model->columnCount(source_parent); ++column) {
    if (model->index(source_row, column, source_parent)
            .data()
            .toString()
            .contains(text_, Qt::CaseInsensitive))
      return true;
  }
  return false;
}

namespace {

QString csv_field(QString text) {
  if (!text.contains(',') && !text.contains('"') && !text.contains('\n')) return text;
  return '"' + text.replace('"', QStringLiteral("\"\"")) + '"';
}

}  // namespace

QByteArray table_csv(const QAbstractItemModel& model) {
  QString csv;
  const int columns = model.columnCount();
  for (int column = 0; column < columns; ++column)
    csv += (column > 0 ? "," : "") + csv_field(model.headerData(column, Qt::Horizontal).toString());
  csv += '\n';
  for (int row = 0; row < model.rowCount(); ++row) {
    for (int column = 0; column < columns; ++column)
      csv += (column > 0 ? "," : "") + csv_field(model.index(row, column).data().toString());
    csv += '\n';
  }
  return csv.toUtf8();
}

}  // namespace afbs::ui
