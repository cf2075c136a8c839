#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;

namespace afbs::ui {

class RunHistory;

// The Runs tab: every run of the session in a sortable table. "Show" puts one run back on the
// Convergence and Quality charts; "Compare" overlays two (the earlier selected as the reference)
// and says in words how they differ.
class RunsView : public QWidget {
  Q_OBJECT
 public:
  explicit RunsView(RunHistory* history, QWidget* parent = nullptr);

  QTableView* table() const { return table_; }
  // Selects the runs numbered `numbers` (tests and the tour).
  void select_runs(const std::vector<int>& numbers);
  // The selected runs' numbers, lowest first.
  std::vector<int> selected_runs() const;
  void show_comparison(const QString& text);
  QString comparison() const;

 Q_SIGNALS:
  void show_requested(int number);
  void compare_requested(int reference, int other);

 private:
  void update_buttons();

  RunHistory* history_;
  QSortFilterProxyModel* sorted_;
  QTableView* table_;
  QPushButton* show_;
  QPushButton* compare_;
  QLabel* comparison_;
};

}  // namespace afbs::ui
