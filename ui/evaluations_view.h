#pragma once

#include <QWidget>
#include <vector>

#include "core/common/result.h"
#include "core/engine/tuning_observer.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;

namespace afbs::ui {

class EvaluationFilter;
class EvaluationTableModel;

// A run's evaluations in a sortable table, filtered by text, layer, head and stage, with the
// rows shown exportable as CSV (Runs tab).
class EvaluationsView : public QWidget {
  Q_OBJECT
 public:
  explicit EvaluationsView(QWidget* parent = nullptr);

  // Shows `records` under `title` ("#2 grid: 1,234 evaluations"); keeps the filters that still
  // make sense.
  void set_records(const QString& title, std::vector<engine::EvaluationRecord> records);

  QTableView* table() const { return table_; }
  EvaluationFilter* filter() const { return filter_; }
  QLineEdit* text_filter() const { return text_; }
  QComboBox* layer_filter() const { return layer_; }
  QComboBox* head_filter() const { return head_; }
  QComboBox* stage_filter() const { return stage_; }
  QLabel* count_label() const { return count_; }
  // The rows shown, in their order, as CSV.
  QByteArray csv() const;
  // Writes csv() to `path` atomically; errors name the file.
  Status export_csv(const QString& path) const;

 private:
  void fill_choices();
  void apply_filters();
  void update_count();

  EvaluationTableModel* model_;
  EvaluationFilter* filter_;
  QLabel* title_;
  QLineEdit* text_;
  QComboBox* layer_;
  QComboBox* head_;
  QComboBox* stage_;
  QLabel* count_;
  QPushButton* export_;
  QTableView* table_;
};

}  // namespace afbs::ui
