#include "ui/head_inspector.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTabWidget>
#include <QTableWidget>
#include <QUndoStack>
#include <QVBoxLayout>
#include <algorithm>
#include <map>

#include "ui/head_picture_panel.h"
#include "ui/head_picture_service.h"
#include "ui/heatmap_model.h"
#include "ui/rung_numbers.h"
#include "ui/stage_colors.h"
#include "ui/wheel_guard.h"

namespace afbs::ui {
namespace {

QDoubleSpinBox* setting_box(QWidget* parent, const char* name, double low, double high,
                            int decimals) {
  auto* box = new QDoubleSpinBox(parent);
  box->setObjectName(name);
  box->setRange(low, high);
  box->setDecimals(decimals);
  box->setSingleStep(high - low > 10.0 ? 1.0 : 0.01);
  box->setKeyboardTracking(false);
  return box;
}

// A cell shown with `decimals` (negative: an integer) that sorts by its number, not its text.
class NumberItem : public QTableWidgetItem {
 public:
  NumberItem(double value, int decimals) {
    setText(decimals < 0 ? QString::number(qint64(value)) : QString::number(value, 'f', decimals));
    setData(Qt::UserRole, value);
    setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
  }
  bool operator<(const QTableWidgetItem& other) const override {
    return data(Qt::UserRole).toDouble() < other.data(Qt::UserRole).toDouble();
  }
};

QTableWidgetItem* sortable(double value, int decimals) {
  return new NumberItem(value, decimals);
}

QTableWidget* make_table(QWidget* parent, const char* name, const QStringList& headers) {
  auto* table = new QTableWidget(0, int(headers.size()), parent);
  table->setObjectName(name);
  table->setHorizontalHeaderLabels(headers);
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table->setSelectionBehavior(QAbstractItemView::SelectRows);
  table->verticalHeader()->hide();
  table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table->horizontalHeader()->setStretchLastSection(true);
  return table;
}

}  // namespace

HeadInspector::HeadInspector(HeatmapModel* model, QWidget* parent)
    : QWidget(parent), model_(model) {
  setObjectName("headInspector");
  title_ = new QLabel(tr("Select a head in the heatmap"), this);
  QFont bold = title_->font();
  bold.setBold(true);
  title_->setFont(bold);
  measured_ = new QLabel(this);
  measured_->setWordWrap(true);
  measured_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  theta_ = setting_box(this, "inspectorTheta", -1.0, 1.0, 3);
  tau_ = setting_box(this, "inspectorTau", 0.0, 1.0, 4);
  lambda_ = setting_box(this, "inspectorLambda", 0.0, kPvSkipOff, 2);
  for (QDoubleSpinBox* box : {theta_, tau_, lambda_})
    WheelGuard::install(box);
  apply_ = new QPushButton(tr("Apply override"), this);
  apply_->setObjectName("inspectorApply");
  apply_->setToolTip(tr("Sets these values and pins the head (undo: Ctrl+Z)"));
  pin_ = new QCheckBox(tr("Pinned (runs leave it alone)"), this);
  pin_->setObjectName("inspectorPin");
  auto* settings = new QFormLayout;
  settings->addRow(tr("θ similarity"), theta_);
  settings->addRow(tr("τ cumulative"), tau_);
  settings->addRow(tr("λ PV skip"), lambda_);
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(pin_);
  buttons->addStretch();
  buttons->addWidget(apply_);

  by_length_ = make_table(this, "inspectorByLength",
                          {tr("length"), tr("evals"), tr("best sparsity ≤ ε"), tr("min error")});
  by_length_->setMaximumHeight(110);
  trace_ = make_table(this, "inspectorTrace",
                      {tr("#"), tr("stage"), tr("rung"), tr("length"), tr("window"), tr("θ"),
                       tr("τ"), tr("λ"), tr("sparsity"), tr("error")});
  trace_->setSortingEnabled(true);
  trace_->sortItems(0, Qt::AscendingOrder);  // in the order they ran until a header is clicked

  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 0, 0, 0);
  layout->addWidget(title_);
  layout->addWidget(measured_);
  layout->addLayout(settings);
  layout->addLayout(buttons);
  layout->addWidget(new QLabel(tr("By sequence length"), this));
  layout->addWidget(by_length_);
  auto* trace_page = new QWidget(this);
  auto* trace_layout = new QVBoxLayout(trace_page);
  trace_layout->setContentsMargins(0, 0, 0, 0);
  auto* trace_title = new QLabel(tr("Every evaluation; click a header to sort"), trace_page);
  trace_title->setWordWrap(true);  // never sets the window's minimum width
  trace_layout->addWidget(trace_title);
  trace_layout->addWidget(trace_, 1);
  pictures_ = new HeadPicturePanel(this);
  details_ = new QTabWidget(this);
  details_->setObjectName("inspectorTabs");
  details_->addTab(trace_page, tr("Search trace"));
  details_->addTab(pictures_, tr("Block mask"));
  layout->addWidget(details_, 1);

  connect(apply_, &QPushButton::clicked, this, &HeadInspector::apply_override);
  connect(pin_, &QCheckBox::toggled, this, [this](bool pinned) {
    if (refreshing_ || layer_ < 0) return;
    if (model_->cell(layer_, head_).pinned != pinned) model_->toggle_pin(layer_, head_);
  });
  connect(model_, &HeatmapModel::changed, this, [this](const HeadChange& change) {
    if (change.layer == layer_ && change.head == head_) refresh_cell();
  });
  connect(model_, &QAbstractItemModel::modelReset, this, &HeadInspector::refresh_cell);
  connect(details_, &QTabWidget::currentChanged, this, &HeadInspector::request_pictures_if_shown);
  refresh_cell();
}

void HeadInspector::set_picture_service(HeadPictureService* service) {
  picture_service_ = service;
  connect(service, &HeadPictureService::ready, this,
          [this](int layer, int head, const std::vector<HeadPicture>& pictures) {
            if (layer == layer_ && head == head_) pictures_->show_pictures(layer, head, pictures);
          });
  connect(service, &HeadPictureService::failed, this,
          [this](int layer, int head, const QString& message) {
            if (layer == layer_ && head == head_) pictures_->show_message(message);
          });
}

void HeadInspector::refresh_pictures() {
  pictures_of_ = {};
  request_pictures_if_shown();
}

// Pictures cost a mask prediction per rung (and, streaming, maybe a layer's capture), so they
// are asked for only while their tab shows, and only when the head or its setting changed.
void HeadInspector::request_pictures_if_shown() {
  if (details_->currentWidget() != pictures_) return;
  if (layer_ < 0 || layer_ >= model_->layers() || head_ < 0 || head_ >= model_->heads()) {
    pictures_of_ = {};
    pictures_->show_message(tr("Select a head in the heatmap"));
    return;
  }
  const HeadSetting setting = model_->cell(layer_, head_).setting;
  const PictureKey key{layer_, head_, setting.theta, setting.tau, setting.lambda};
  if (key == pictures_of_) return;
  if (picture_service_ == nullptr || !picture_service_->request(layer_, head_, setting)) {
    pictures_of_ = {};
    pictures_->show_message(tr("Open a model to see the head's block mask"));
    return;
  }
  pictures_of_ = key;
  const QString what = tr("Layer %1, head %2: the block mask at θ %3, τ %4, λ %5")
                           .arg(layer_)
                           .arg(head_)
                           .arg(setting.theta, 0, 'f', 3)
                           .arg(setting.tau, 0, 'f', 4)
                           .arg(setting.lambda, 0, 'f', 2);
  pictures_->show_message(picture_service_->behind_run()
                              ? tr("%1 is drawn when the run has ended.").arg(what)
                              : tr("%1: computing…").arg(what));
}

void HeadInspector::show_head(int layer, int head,
                              const std::vector<engine::EvaluationRecord>& records) {
  layer_ = layer;
  head_ = head;
  records_.clear();
  for (const engine::EvaluationRecord& record : records)
    if (record.layer == layer && record.head == head) records_.push_back(record);
  refresh_cell();
  refresh_trace();
}

void HeadInspector::add_records(const std::vector<engine::EvaluationRecord>& records) {
  const std::size_t before = records_.size();
  for (const engine::EvaluationRecord& record : records)
    if (record.layer == layer_ && record.head == head_) records_.push_back(record);
  if (records_.size() != before) refresh_trace();
}

void HeadInspector::refresh_cell() {
  const bool shown =
      layer_ >= 0 && layer_ < model_->layers() && head_ >= 0 && head_ < model_->heads();
  for (QWidget* widget : std::initializer_list<QWidget*>{theta_, tau_, lambda_, apply_, pin_})
    widget->setEnabled(shown);
  if (!shown) {
    title_->setText(tr("Select a head in the heatmap"));
    measured_->clear();
    request_pictures_if_shown();
    return;
  }
  const HeadCell cell = model_->cell(layer_, head_);
  refreshing_ = true;
  title_->setText(tr("Layer %1, head %2").arg(layer_).arg(head_));
  theta_->setValue(cell.setting.theta);
  tau_->setValue(cell.setting.tau);
  lambda_->setValue(cell.setting.lambda);
  pin_->setChecked(cell.pinned);
  refreshing_ = false;
  request_pictures_if_shown();
  if (cell.tuned) {
    measured_->setText(
        tr("Measured on the validation windows: sparsity %1, error %2%3%4")
            .arg(cell.sparsity, 0, 'f', 3)
            .arg(cell.error, 0, 'f', 4)
            .arg(cell.sparse ? QString() : tr(" (dense)"))
            .arg(cell.sparse && !cell.meets_target ? tr(" — misses the error target") : QString()));
  } else {
    measured_->setText(cell.pinned ? tr("Set by hand: not measured at this setting")
                                   : tr("Not tuned yet"));
  }
}

void HeadInspector::refresh_trace() {
  // Rungs are numbered by the lengths this head ran at, shortest first.
  std::map<int, int> rung_of = rung_numbers(records_);

  trace_->setSortingEnabled(false);
  trace_->setRowCount(int(records_.size()));
  struct LengthSummary {
    int evaluations = 0;
    double best_feasible = -1.0;
    double min_error = 1e300;
  };
  std::map<int, LengthSummary> by_length;
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const engine::EvaluationRecord& r = records_[i];
    const int row = int(i);
    trace_->setItem(row, 0, sortable(double(i + 1), -1));
    auto* stage = new QTableWidgetItem(QString::fromUtf8(engine::stage_name(r.stage)));
    stage->setForeground(stage_color(r.stage));
    trace_->setItem(row, 1, stage);
    trace_->setItem(row, 2, sortable(rung_of[r.length_tokens], -1));
    trace_->setItem(row, 3, sortable(r.length_tokens, -1));
    trace_->setItem(row, 4, sortable(r.window, -1));
    trace_->setItem(row, 5, sortable(r.theta, 3));
    trace_->setItem(row, 6, sortable(r.tau, 4));
    trace_->setItem(row, 7, sortable(r.lambda, 2));
    trace_->setItem(row, 8, sortable(r.sparsity, 3));
    trace_->setItem(row, 9, sortable(r.error, 4));
    LengthSummary& summary = by_length[r.length_tokens];
    ++summary.evaluations;
    // The objective is the sparsity where the error met the stage's target, else 0.
    if (r.objective > 0.0) summary.best_feasible = std::max(summary.best_feasible, r.sparsity);
    summary.min_error = std::min(summary.min_error, r.error);
  }
  trace_->setSortingEnabled(true);

  by_length_->setRowCount(int(by_length.size()));
  int row = 0;
  for (const auto& [length, summary] : by_length) {
    by_length_->setItem(row, 0, sortable(length, -1));
    by_length_->setItem(row, 1, sortable(summary.evaluations, -1));
    by_length_->setItem(row, 2,
                        summary.best_feasible >= 0.0 ? sortable(summary.best_feasible, 3)
                                                     : new QTableWidgetItem(tr("none")));
    by_length_->setItem(row, 3, sortable(summary.min_error, 4));
    ++row;
  }
}

void HeadInspector::apply_override() {
  if (layer_ < 0) return;
  const HeadCell cell = model_->cell(layer_, head_);
  QUndoStack* stack = model_->undo_stack();
  stack->beginMacro(tr("Override layer %1 head %2").arg(layer_).arg(head_));
  const std::pair<SettingField, double> fields[] = {{SettingField::Theta, theta_->value()},
                                                    {SettingField::Tau, tau_->value()},
                                                    {SettingField::Lambda, lambda_->value()}};
  for (const auto& [field, value] : fields)
    if (setting_value(cell.setting, field) != value)
      model_->override_setting(layer_, head_, field, value);
  // Applying the values as they are still pins the head: the person chose them.
  if (!model_->cell(layer_, head_).pinned) model_->toggle_pin(layer_, head_);
  stack->endMacro();
}

}  // namespace afbs::ui
