#include "ui/runs_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

#include "ui/run_history.h"

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
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(show_);
  buttons->addWidget(compare_);
  buttons->addStretch();
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(table_, 1);
  layout->addLayout(buttons);
  layout->addWidget(comparison_);

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
  update_buttons();
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
}

}  // namespace afbs::ui
