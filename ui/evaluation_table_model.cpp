#include "ui/evaluation_table_model.h"

#include <QBrush>
#include <map>

#include "ui/rung_numbers.h"
#include "ui/stage_colors.h"

namespace afbs::ui {

void EvaluationTableModel::set_records(std::vector<engine::EvaluationRecord> records) {
  beginResetModel();
  records_ = std::move(records);
  // Rungs are numbered by the lengths the run evaluated at, shortest first.
  std::map<int, int> rung_of = rung_numbers(records_);
  rungs_.clear();
  for (const engine::EvaluationRecord& record : records_)
    rungs_.push_back(rung_of[record.length_tokens]);
  endResetModel();
}

bool EvaluationTableModel::met_target(const engine::EvaluationRecord& record) {
  // The objective is the sparsity when the error met the target, else 0; at sparsity 0 the
  // output is the dense one, whose error is 0.
  return record.objective > 0.0 || record.sparsity <= 0.0;
}

int EvaluationTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : int(records_.size());
}

int EvaluationTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : ColumnCount;
}

QVariant EvaluationTableModel::data(const QModelIndex& index, int role) const {
  if (!index.isValid() || index.row() >= int(records_.size())) return {};
  const engine::EvaluationRecord& r = records_[std::size_t(index.row())];
  const bool met = met_target(r);
  if (role == Qt::UserRole) {
    switch (index.column()) {
      case Number:
        return index.row() + 1;
      case Layer:
        return r.layer;
      case Head:
        return r.head;
      case Stage:
        return int(r.stage);
      case Rung:
        return rungs_[std::size_t(index.row())];
      case Length:
        return r.length_tokens;
      case Window:
        return r.window;
      case Theta:
        return r.theta;
      case Tau:
        return r.tau;
      case Lambda:
        return r.lambda;
      case Sparsity:
        return r.sparsity;
      case Error:
        return r.error;
      case Verdict:
        return met ? 1 : 0;
    }
    return {};
  }
  if (role == Qt::DisplayRole) {
    switch (index.column()) {
      case Stage:
        return QString::fromUtf8(engine::stage_name(r.stage));
      case Theta:
        return QString::number(r.theta, 'f', 3);
      case Tau:
        return QString::number(r.tau, 'f', 4);
      case Lambda:
        return QString::number(r.lambda, 'f', 2);
      case Sparsity:
        return QString::number(r.sparsity, 'f', 3);
      case Error:
        return QString::number(r.error, 'f', 4);
      case Verdict:
        return met ? tr("met") : tr("missed");
      default:
        return data(index, Qt::UserRole).toString();
    }
  }
  if (role == Qt::ForegroundRole) {
    if (index.column() == Stage) return QBrush(stage_color(r.stage));
    if (index.column() == Verdict && !met) return QBrush(QColor(0xd5, 0x5e, 0x00));
  }
  if (role == Qt::TextAlignmentRole && index.column() != Stage && index.column() != Verdict)
    return int(Qt::AlignRight | Qt::AlignVCenter);
  return {};
}

QVariant EvaluationTableModel::headerData(int section, Qt::Orientation orientation,
                                          int role) const {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  static const char* const names[ColumnCount] = {"#",        "layer",  "head",  "stage", "rung",
                                                 "length",   "window", "θ",     "τ",     "λ",
                                                 "sparsity", "error",  "target"};
  return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

}  // namespace afbs::ui
