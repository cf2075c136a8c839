#pragma once

#include <QAbstractTableModel>
#include <vector>

#include "core/engine/tuning_observer.h"

namespace afbs::ui {

// A run's evaluations as a table, one row per evaluation in the order they ran (like Optuna
// Dashboard's trials table). Each column's Qt::UserRole is its value (numbers as numbers), so a
// proxy sorts by value; Qt::DisplayRole is the text shown and exported.
class EvaluationTableModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Column {
    Number,
    Layer,
    Head,
    Stage,
    Rung,
    Length,
    Window,
    Theta,
    Tau,
    Lambda,
    Sparsity,
    Error,
    Verdict,
    ColumnCount
  };

  using QAbstractTableModel::QAbstractTableModel;

  void set_records(std::vector<engine::EvaluationRecord> records);
  const std::vector<engine::EvaluationRecord>& records() const { return records_; }
  // Whether the evaluation's error met its stage's target (a dense setting always does).
  static bool met_target(const engine::EvaluationRecord& record);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  std::vector<engine::EvaluationRecord> records_;
  std::vector<int> rungs_;  // per record: 1 + the index of its length among the run's lengths
};

}  // namespace afbs::ui
