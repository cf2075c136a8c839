#pragma once

#include <QWidget>

class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTabWidget;

namespace afbs::ui {

class EvaluationsView;
class RunHistory;
class SparsityDiffView;

// The Runs tab: every run of the session in a sortable table. "Show" puts one run back on the
// Convergence and Quality charts; "Compare" overlays two (the earlier selected as the reference)
// and says in words how they differ. Below, the current run's evaluations (filterable, CSV) and
// a heatmap diff of two runs' per-head sparsity, or of a run and a config file.
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

  EvaluationsView* evaluations() const { return evaluations_; }
  SparsityDiffView* diff_view() const { return diff_; }
  QTabWidget* detail_tabs() const { return details_; }
  // Shows run `number`'s evaluations below the table.
  void show_evaluations(int number);
  // The diff heatmap of runs `a` → `b` (b − a), or of run `number` → the config at `path`;
  // false, with problem() emitted, when a run is unknown or the file cannot be read.
  bool diff_runs(int a, int b);
  bool diff_run_with_config(int number, const QString& path);

 Q_SIGNALS:
  void show_requested(int number);
  void compare_requested(int reference, int other);
  // Something the person should read (an unreadable config file).
  void problem(const QString& text);

 private:
  void update_buttons();

  RunHistory* history_;
  QSortFilterProxyModel* sorted_;
  QTableView* table_;
  QPushButton* show_;
  QPushButton* compare_;
  QPushButton* diff_runs_;
  QPushButton* diff_config_;
  QLabel* comparison_;
  QTabWidget* details_;
  EvaluationsView* evaluations_;
  SparsityDiffView* diff_;
};

}  // namespace afbs::ui
