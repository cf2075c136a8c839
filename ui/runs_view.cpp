#include "ui/runs_view.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

#include "core/io/config_file.h"
#include "ui/evaluations_view.h"
#include "ui/run_history.h"
#include "ui/sparsity_diff_view.h"

namespace afbs::ui {

RunsView::RunsView(RunHistory* history, QWidget* parent) : QWidget(parent), history_(history) {
  sorted_ = new QSortFilterProxyModel(this);
  sorted_->setSourceModel(history);
  sorted_->setSortRole(Qt::UserRole);  // numbers sort as numbers
  table_ = new QTableView(this);
  table_->setObjectName("runsTable");
  table_->setModel(sorted_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(RunHistory::Number, Qt::AscendingOrder);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
  table_->setTabKeyNavigation(false);  // Tab moves on to the buttons (arrows move in the table)
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setStretchLastSection(true);

  show_ = new QPushButton(tr("Show in charts"), this);
  show_->setObjectName("showRun");
  compare_ = new QPushButton(tr("Compare two"), this);
  compare_->setObjectName("compareRuns");
  compare_->setToolTip(
      tr("Overlays the second selected run on the first in the Convergence and "
         "Quality charts"));
  comparison_ = new QLabel(tr("Select one run to show it again, or two to compare them."), this);
  comparison_->setObjectName("runComparison");
  comparison_->setWordWrap(true);
  comparison_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  diff_runs_ = new QPushButton(tr("Diff sparsity"), this);
  diff_runs_->setObjectName("diffRuns");
  diff_runs_->setToolTip(
      tr("Heatmap of the second selected run's per-head sparsity minus the "
         "first's"));
  diff_config_ = new QPushButton(tr("Diff with config…"), this);
  diff_config_->setObjectName("diffConfig");
  diff_config_->setToolTip(tr("Heatmap of a config file's per-head sparsity minus the run's"));
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(show_);
  buttons->addWidget(compare_);
  buttons->addWidget(diff_runs_);
  buttons->addWidget(diff_config_);
  buttons->addStretch();

  evaluations_ = new EvaluationsView(this);
  diff_ = new SparsityDiffView(this);
  details_ = new QTabWidget(this);
  details_->setObjectName("runDetails");
  details_->addTab(evaluations_, tr("Evaluations"));
  details_->addTab(diff_, tr("Sparsity diff"));

  auto* top = new QWidget(this);
  auto* top_layout = new QVBoxLayout(top);
  top_layout->setContentsMargins(0, 0, 0, 0);
  top_layout->addWidget(table_, 1);
  top_layout->addLayout(buttons);
  top_layout->addWidget(comparison_);
  auto* split = new QSplitter(Qt::Vertical, this);
  split->addWidget(top);
  split->addWidget(details_);
  split->setStretchFactor(0, 1);
  split->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(split);

  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
          &RunsView::update_buttons);
  connect(history_, &QAbstractItemModel::rowsInserted, this, &RunsView::update_buttons);
  connect(history_, &QAbstractItemModel::modelReset, this, &RunsView::update_buttons);
  connect(show_, &QPushButton::clicked, this, [this] {
    const std::vector<int> runs = selected_runs();
    if (runs.size() == 1) Q_EMIT show_requested(runs.front());
  });
  connect(compare_, &QPushButton::clicked, this, [this] {
    const std::vector<int> runs = selected_runs();
    if (runs.size() == 2) Q_EMIT compare_requested(runs[0], runs[1]);
  });
  connect(diff_runs_, &QPushButton::clicked, this, [this] {
    const std::vector<int> runs = selected_runs();
    if (runs.size() == 2) diff_runs(runs[0], runs[1]);
  });
  connect(diff_config_, &QPushButton::clicked, this, [this] {
    const std::vector<int> runs = selected_runs();
    if (runs.size() != 1) return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Config to compare with"), {},
                                                      tr("Configs (*.json)"));
    if (!path.isEmpty()) diff_run_with_config(runs.front(), path);
  });
  // The evaluations shown follow the row last clicked (or moved to with the keyboard).
  connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (current.isValid())
              show_evaluations(
                  sorted_->index(current.row(), RunHistory::Number).data(Qt::UserRole).toInt());
          });
  update_buttons();
}

void RunsView::show_evaluations(int number) {
  const RunEntry* run = history_->find(number);
  if (run == nullptr) return;
  evaluations_->set_records(tr("%1: %2 evaluations").arg(run->label()).arg(run->records.size()),
                            run->records);
}

bool RunsView::diff_runs(int a, int b) {
  const RunEntry* first = history_->find(a);
  const RunEntry* second = history_->find(b);
  if (first == nullptr || second == nullptr) {
    Q_EMIT problem(tr("Diff: run #%1 or #%2 does not exist.").arg(a).arg(b));
    return false;
  }
  diff_->set_diff(SparsityDiff::of(first->label(), first->head_sparsity, second->label(),
                                   second->head_sparsity));
  details_->setCurrentWidget(diff_);
  return true;
}

bool RunsView::diff_run_with_config(int number, const QString& path) {
  const RunEntry* run = history_->find(number);
  if (run == nullptr) {
    Q_EMIT problem(tr("Diff: there is no run #%1.").arg(number));
    return false;
  }
  auto config = read_config(path.toStdString());
  if (!config) {
    Q_EMIT problem(
        tr("Diff: cannot read the config: %1").arg(QString::fromStdString(config.error().message)));
    return false;
  }
  diff_->set_diff(SparsityDiff::of(run->label(), run->head_sparsity, QFileInfo(path).fileName(),
                                   head_sparsities(*config)));
  details_->setCurrentWidget(diff_);
  return true;
}

void RunsView::select_runs(const std::vector<int>& numbers) {
  table_->clearSelection();
  for (int row = 0; row < sorted_->rowCount(); ++row) {
    const int number = sorted_->index(row, RunHistory::Number).data(Qt::UserRole).toInt();
    if (std::find(numbers.begin(), numbers.end(), number) != numbers.end())
      table_->selectionModel()->select(sorted_->index(row, 0),
                                       QItemSelectionModel::Select | QItemSelectionModel::Rows);
  }
}

std::vector<int> RunsView::selected_runs() const {
  std::vector<int> numbers;
  for (const QModelIndex& index : table_->selectionModel()->selectedRows(RunHistory::Number))
    numbers.push_back(index.data(Qt::UserRole).toInt());
  std::sort(numbers.begin(), numbers.end());
  return numbers;
}

void RunsView::show_comparison(const QString& text) {
  comparison_->setText(text);
}

QString RunsView::comparison() const {
  return comparison_->text();
}

void RunsView::update_buttons() {
  const std::size_t count = selected_runs().size();
  show_->setEnabled(count == 1);
  compare_->setEnabled(count == 2);
  diff_runs_->setEnabled(count == 2);
  diff_config_->setEnabled(count == 1);
}

}  // namespace afbs::ui
