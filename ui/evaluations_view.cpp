#include "ui/evaluations_view.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>
#include <functional>
#include <optional>
#include <set>

#include "ui/chart_export.h"
#include "ui/evaluation_filter.h"
#include "ui/evaluation_table_model.h"
#include "ui/wheel_guard.h"

namespace afbs::ui {
namespace {

// A combo's choices: "any" (no data) then each value (its number as data).
void set_choices(QComboBox* box, const QString& any, const std::set<int>& values,
                 const std::function<QString(int)>& text) {
  const QVariant chosen = box->currentData();
  const QSignalBlocker blocker(box);
  box->clear();
  box->addItem(any);
  for (int value : values)
    box->addItem(text(value), value);
  const int again = chosen.isValid() ? box->findData(chosen) : 0;
  box->setCurrentIndex(again >= 0 ? again : 0);
}

std::optional<int> chosen(const QComboBox* box) {
  const QVariant data = box->currentData();
  return data.isValid() ? std::optional<int>(data.toInt()) : std::nullopt;
}

}  // namespace

EvaluationsView::EvaluationsView(QWidget* parent) : QWidget(parent) {
  setObjectName("evaluationsView");
  model_ = new EvaluationTableModel(this);
  filter_ = new EvaluationFilter(this);
  filter_->setSourceModel(model_);
  title_ = new QLabel(tr("Select a run to see its evaluations."), this);
  title_->setWordWrap(true);
  text_ = new QLineEdit(this);
  text_->setObjectName("evaluationText");
  text_->setPlaceholderText(tr("Filter: text in any column"));
  text_->setClearButtonEnabled(true);
  layer_ = new QComboBox(this);
  layer_->setObjectName("evaluationLayer");
  head_ = new QComboBox(this);
  head_->setObjectName("evaluationHead");
  stage_ = new QComboBox(this);
  stage_->setObjectName("evaluationStage");
  for (QComboBox* box : {layer_, head_, stage_})
    WheelGuard::install(box);
  count_ = new QLabel(this);
  count_->setObjectName("evaluationCount");
  export_ = new QPushButton(tr("Export CSV…"), this);
  export_->setObjectName("exportEvaluations");
  export_->setToolTip(tr("Writes the rows shown, in their order, as CSV"));
  table_ = new QTableView(this);
  table_->setObjectName("evaluationsTable");
  table_->setModel(filter_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(EvaluationTableModel::Number, Qt::AscendingOrder);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->verticalHeader()->hide();
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setStretchLastSection(true);

  auto* filters = new QHBoxLayout;
  filters->addWidget(text_, 2);
  filters->addWidget(layer_);
  filters->addWidget(head_);
  filters->addWidget(stage_);
  filters->addWidget(count_, 1);
  filters->addWidget(export_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(title_);
  layout->addLayout(filters);
  layout->addWidget(table_, 1);

  connect(text_, &QLineEdit::textChanged, this, &EvaluationsView::apply_filters);
  for (QComboBox* box : {layer_, head_, stage_})
    connect(box, &QComboBox::currentIndexChanged, this, &EvaluationsView::apply_filters);
  connect(export_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export evaluations"), QStringLiteral("evaluations.csv"), tr("CSV (*.csv)"));
    if (path.isEmpty()) return;
    if (Status written = export_csv(path); !written)
      count_->setText(QString::fromStdString(written.error().message));
  });
  fill_choices();
  update_count();
}

void EvaluationsView::set_records(const QString& title,
                                  std::vector<engine::EvaluationRecord> records) {
  title_->setText(title);
  model_->set_records(std::move(records));
  fill_choices();
  apply_filters();
}

void EvaluationsView::fill_choices() {
  std::set<int> layers, heads, stages;
  for (const engine::EvaluationRecord& r : model_->records()) {
    layers.insert(r.layer);
    heads.insert(r.head);
    stages.insert(int(r.stage));
  }
  set_choices(layer_, tr("any layer"), layers, [](int v) { return tr("layer %1").arg(v); });
  set_choices(head_, tr("any head"), heads, [](int v) { return tr("head %1").arg(v); });
  set_choices(stage_, tr("any stage"), stages,
              [](int v) { return QString::fromUtf8(engine::stage_name(engine::Stage(v))); });
}

void EvaluationsView::apply_filters() {
  filter_->set_layer(chosen(layer_));
  filter_->set_head(chosen(head_));
  const std::optional<int> stage = chosen(stage_);
  filter_->set_stage(stage ? std::optional<engine::Stage>(engine::Stage(*stage)) : std::nullopt);
  filter_->set_text(text_->text());
  update_count();
}

void EvaluationsView::update_count() {
  count_->setText(tr("%1 of %2 evaluations").arg(filter_->rowCount()).arg(model_->rowCount()));
  export_->setEnabled(filter_->rowCount() > 0);
}

QByteArray EvaluationsView::csv() const {
  return table_csv(*filter_);
}

Status EvaluationsView::export_csv(const QString& path) const {
  return write_file_bytes(path, csv());
}

}  // namespace afbs::ui
