#include "ui/sparsity_heatmap.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QPainter>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>

#include "ui/heatmap_delegate.h"
#include "ui/heatmap_model.h"

namespace afbs::ui {
namespace {

QPixmap scale_pixmap(HeatQuantity quantity, double error_scale, QSize size) {
  QPixmap pixmap(size);
  QPainter painter(&pixmap);
  const auto [low, high] = HeatmapModel::range_for(quantity, error_scale);
  for (int x = 0; x < size.width(); ++x) {
    const double value = low + (high - low) * double(x) / double(size.width() - 1);
    painter.setPen(HeatmapModel::color_for(quantity, value, error_scale));
    painter.drawLine(x, 0, x, size.height() - 1);
  }
  return pixmap;
}

}  // namespace

SparsityHeatmap::SparsityHeatmap(HeatmapModel* model, QWidget* parent)
    : QWidget(parent), model_(model) {
  quantity_box_ = new QComboBox(this);
  quantity_box_->setObjectName("heatmapQuantity");
  quantity_box_->addItem(tr("Sparsity"), int(HeatQuantity::Sparsity));
  quantity_box_->addItem(tr("Error"), int(HeatQuantity::Error));
  quantity_box_->addItem(tr("θ (similarity)"), int(HeatQuantity::Theta));
  quantity_box_->addItem(tr("τ (cumulative)"), int(HeatQuantity::Tau));
  quantity_box_->addItem(tr("λ (PV skip)"), int(HeatQuantity::Lambda));
  quantity_box_->setCurrentIndex(quantity_box_->findData(int(model->quantity())));
  scale_low_ = new QLabel(this);
  scale_bar_ = new QLabel(this);
  scale_high_ = new QLabel(this);
  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Colour by"), this));
  controls->addWidget(quantity_box_);
  controls->addSpacing(16);
  controls->addWidget(scale_low_);
  controls->addWidget(scale_bar_);
  controls->addWidget(scale_high_);
  controls->addStretch();
  auto* retune = new QPushButton(tr("Re-tune selected"), this);
  retune->setObjectName("retuneSelected");
  retune->setToolTip(
      tr("Runs the engine on the selected heads only; every other head keeps its "
         "values"));
  controls->addWidget(retune);
  connect(retune, &QPushButton::clicked, this, &SparsityHeatmap::retune_requested);
  // Below the table and wrapped, so the hint never sets the window's minimum width.
  auto* hint = new QLabel(
      tr("Double-click θ/τ/λ to override · space or right-click pins the selected heads · "
         "dashed red edge: misses the error target"),
      this);
  hint->setWordWrap(true);

  table_ = new QTableView(this);
  table_->setObjectName("heatmapTable");
  table_->setModel(model);
  auto* delegate = new HeatmapDelegate(table_);
  table_->setItemDelegate(delegate);
  connect(delegate, &HeatmapDelegate::edit_refused, this, &SparsityHeatmap::edit_refused);
  table_->setShowGrid(false);
  table_->setSelectionMode(QAbstractItemView::ExtendedSelection);  // pin many heads at once
  table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
  // Cells share the view (a few layers fill it); many heads or layers scroll at a readable size.
  table_->horizontalHeader()->setMinimumSectionSize(40);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  table_->verticalHeader()->setMinimumSectionSize(20);
  table_->verticalHeader()->setSectionResizeMode(QHeaderView::Stretch);
  table_->setContextMenuPolicy(Qt::CustomContextMenu);
  table_->installEventFilter(this);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(table_, 1);
  layout->addWidget(hint);

  connect(quantity_box_, &QComboBox::currentIndexChanged, this, [this] {
    model_->set_quantity(HeatQuantity(quantity_box_->currentData().toInt()));
    update_scale();
  });
  connect(table_, &QTableView::clicked, this,
          [this](const QModelIndex& index) { Q_EMIT head_activated(index.row(), index.column()); });
  connect(table_, &QTableView::customContextMenuRequested, this,
          &SparsityHeatmap::show_context_menu);
  connect(table_->selectionModel(), &QItemSelectionModel::currentChanged, this,
          [this](const QModelIndex& current) {
            if (current.isValid()) Q_EMIT current_head_changed(current.row(), current.column());
          });
  update_scale();
}

bool SparsityHeatmap::eventFilter(QObject* watched, QEvent* event) {
  if (watched == table_ && event->type() == QEvent::KeyPress &&
      static_cast<QKeyEvent*>(event)->key() == Qt::Key_Space) {
    pin_selected(std::nullopt);
    return true;
  }
  return QWidget::eventFilter(watched, event);
}

void SparsityHeatmap::update_scale() {
  const HeatQuantity quantity = model_->quantity();
  const auto [low, high] = HeatmapModel::range_for(quantity, model_->error_scale());
  scale_low_->setText(QString::number(low, 'g', 3));
  scale_high_->setText(QString::number(high, 'g', 3));
  scale_bar_->setPixmap(scale_pixmap(quantity, model_->error_scale(), QSize(160, 14)));
}

std::vector<std::pair<int, int>> SparsityHeatmap::selected_heads() const {
  std::vector<std::pair<int, int>> heads;
  for (const QModelIndex& index : table_->selectionModel()->selectedIndexes())
    heads.emplace_back(index.row(), index.column());
  const QModelIndex current = table_->currentIndex();
  if (heads.empty() && current.isValid()) heads.emplace_back(current.row(), current.column());
  std::sort(heads.begin(), heads.end());
  return heads;
}

void SparsityHeatmap::pin_selected(std::optional<bool> pinned) {
  const std::vector<std::pair<int, int>> heads = selected_heads();
  if (heads.empty()) return;
  // Without a direction: pin them all unless all are pinned already (then unpin).
  const bool all_pinned = std::all_of(heads.begin(), heads.end(), [this](const auto& at) {
    return model_->cell(at.first, at.second).pinned;
  });
  model_->set_pinned(heads, pinned.value_or(!all_pinned));
}

void SparsityHeatmap::show_context_menu(const QPoint& position) {
  const QModelIndex index = table_->indexAt(position);
  if (!index.isValid()) return;
  if (!table_->selectionModel()->isSelected(index)) table_->setCurrentIndex(index);
  const int count = int(selected_heads().size());
  QMenu menu(this);
  QAction* pin = menu.addAction(tr("Pin %n head(s)", nullptr, count));
  QAction* unpin = menu.addAction(tr("Unpin %n head(s)", nullptr, count));
  QAction* retune = menu.addAction(tr("Re-tune %n head(s)", nullptr, count));
  QAction* edit = menu.addAction(tr("Override…"));
  edit->setEnabled(count == 1 && (index.flags() & Qt::ItemIsEditable));
  QAction* chosen = menu.exec(table_->viewport()->mapToGlobal(position));
  if (chosen == pin) pin_selected(true);
  if (chosen == unpin) pin_selected(false);
  if (chosen == edit) table_->edit(index);
  if (chosen == retune) Q_EMIT retune_requested();
}

}  // namespace afbs::ui
