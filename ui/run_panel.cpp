#include "ui/run_panel.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QPushButton>
#include <QSpinBox>
#include <algorithm>

#include "ui/length_spin_box.h"
#include "ui/perplexity_budget_box.h"
#include "ui/wheel_guard.h"

namespace afbs::ui {
namespace {

QDoubleSpinBox* make_target_box(double value, QWidget* parent) {
  auto* box = new QDoubleSpinBox(parent);
  box->setRange(0.001, 1.0);
  box->setDecimals(3);
  box->setSingleStep(0.005);
  box->setValue(value);
  return box;
}

}  // namespace

RunPanel::RunPanel(QWidget* parent) : QGroupBox(tr("Run"), parent) {
  auto* form = new QFormLayout(this);
  l1_ = make_target_box(0.05, this);
  l1_->setObjectName("l1Target");
  pv_l1_ = make_target_box(0.06, this);
  pv_l1_->setObjectName("pvL1Target");
  method_ = new QComboBox(this);
  method_->setObjectName("method");
  method_->addItems({"afbs-bo", "grid", "random", "static"});
  form->addRow(tr("Error target ε₁"), l1_);
  form->addRow(tr("PV-skip target ε₂"), pv_l1_);
  form->addRow(tr("Method"), method_);
  budget_ = new PerplexityBudgetBox(this);
  form->addRow(tr("Perplexity budget"), budget_);
  connect(method_, &QComboBox::currentTextChanged, budget_, &PerplexityBudgetBox::set_method);
  preset_ = new QComboBox(this);
  preset_->setObjectName("preset");
  preset_->setEditable(true);  // topk:F and window:W take any value
  preset_->addItems({"sparge-default", "topk:0.5", "window:1024", "dense"});
  preset_->setToolTip(
      tr("What a static run measures on every head: sparge-default, topk:F, "
         "window:W (tokens) or dense"));
  form->addRow(tr("Preset"), preset_);
  const auto enable_preset = [this] {
    preset_->setEnabled(method_->isEnabled() && method_->currentText() == "static");
  };
  connect(method_, &QComboBox::currentTextChanged, this, enable_preset);
  enable_preset();
  top_length_ = new LengthSpinBox(this);
  top_length_->setObjectName("topLength");
  top_length_->setRange(256, 4096);
  top_length_->setValue(1024);
  top_length_->setSuffix(tr(" tokens"));
  top_length_->setToolTip(
      tr("Top fidelity n_F, a multiple of 64 tokens within the model's context: the ladder is "
         "n_F/4, n_F/2, n_F. Longer is closer to real use and slower."));
  form->addRow(tr("Top length n_F"), top_length_);
  blocks_ = new QComboBox(this);
  blocks_->setObjectName("blockShape");
  for (const BlockShape shape : {BlockShape{64, 64}, BlockShape{128, 64}, BlockShape{64, 128}}) {
    blocks_->addItem(tr("%1 × %2").arg(shape.query).arg(shape.key),
                     QString::fromStdString(shape.text()));
  }
  blocks_->setToolTip(
      tr("Query × key tokens per block: the thresholds hold for one shape only. 64 × 64 skips "
         "the finest blocks; 128 × 64 is the fastest kernel path on an H200. A run at another "
         "shape than the heatmap's tunes every layer anew (afbs-tune tune --blocks)."));
  form->addRow(tr("Blocks"), blocks_);
  auto* layers = new QHBoxLayout;
  first_layer_ = new QSpinBox(this);
  first_layer_->setObjectName("firstLayer");
  last_layer_ = new QSpinBox(this);
  last_layer_->setObjectName("lastLayer");
  layers->addWidget(first_layer_);
  layers->addWidget(last_layer_);
  form->addRow(tr("Layers (from, to)"), layers);
  // The range stays ordered whichever end moves.
  connect(first_layer_, &QSpinBox::valueChanged, this, [this](int first) {
    if (last_layer_->value() < first) last_layer_->setValue(first);
  });
  connect(last_layer_, &QSpinBox::valueChanged, this, [this](int last) {
    if (first_layer_->value() > last) first_layer_->setValue(last);
  });
  set_model_limits(1, 4096);

  auto* buttons = new QHBoxLayout;
  start_ = new QPushButton(tr("Start"), this);
  pause_ = new QPushButton(tr("Pause"), this);
  cancel_ = new QPushButton(tr("Cancel"), this);
  start_->setObjectName("start");
  pause_->setObjectName("pause");
  cancel_->setObjectName("cancel");
  buttons->addWidget(start_);
  buttons->addWidget(pause_);
  buttons->addWidget(cancel_);
  form->addRow(buttons);
  connect(start_, &QPushButton::clicked, this, &RunPanel::start_requested);
  connect(pause_, &QPushButton::clicked, this, &RunPanel::pause_requested);
  connect(cancel_, &QPushButton::clicked, this, &RunPanel::cancel_requested);
  for (QWidget* field : std::initializer_list<QWidget*>{l1_, pv_l1_, method_, preset_, top_length_,
                                                        blocks_, first_layer_, last_layer_})
    WheelGuard::install(field);
  start_->setDefault(true);
  set_running(false);
}

RunSettings RunPanel::settings() const {
  RunSettings settings;
  settings.l1_target = l1_->value();
  settings.pv_l1_target = pv_l1_->value();
  settings.method = method_->currentText();
  settings.preset = preset();
  settings.top_length_tokens = top_length_->value();
  settings.first_layer = first_layer_->value();
  settings.last_layer = last_layer_->value();
  settings.perplexity_budget = budget_->budget();
  settings.price_allocation = budget_->price_allocation();
  settings.layer_sensitivity = budget_->layer_sensitivity();
  settings.blocks = blocks();
  return settings;
}

void RunPanel::apply_settings(const RunSettings& settings) {
  l1_->setValue(settings.l1_target);
  pv_l1_->setValue(settings.pv_l1_target);
  if (const int method = method_->findText(settings.method); method >= 0)
    method_->setCurrentIndex(method);
  preset_->setEditText(settings.preset);
  set_top_length(settings.top_length_tokens);
  last_layer_->setValue(settings.last_layer < 0 ? last_layer_->maximum() : settings.last_layer);
  first_layer_->setValue(settings.first_layer);
  budget_->set_values(settings.perplexity_budget, settings.price_allocation,
                      settings.layer_sensitivity);
  set_blocks(settings.blocks);
}

void RunPanel::set_running(bool running) {
  start_->setEnabled(!running);
  pause_->setEnabled(running);
  cancel_->setEnabled(running);
  l1_->setEnabled(!running);
  pv_l1_->setEnabled(!running);
  budget_->set_editable(!running);
  method_->setEnabled(!running);
  preset_->setEnabled(!running && method_->currentText() == "static");
  top_length_->setEnabled(!running);
  blocks_->setEnabled(!running);
  first_layer_->setEnabled(!running);
  last_layer_->setEnabled(!running);
  if (!running) set_paused(false);
}

void RunPanel::set_paused(bool paused) {
  pause_->setText(paused ? tr("Resume") : tr("Pause"));
}

double RunPanel::l1_target() const {
  return l1_->value();
}
double RunPanel::perplexity_budget() const {
  return budget_->budget();
}

double RunPanel::pv_l1_target() const {
  return pv_l1_->value();
}
QString RunPanel::method() const {
  return method_->currentText();
}
QString RunPanel::preset() const {
  return preset_->currentText().trimmed();
}

int RunPanel::top_length() const {
  return top_length_->value();
}

std::vector<int> RunPanel::layers() const {
  const int first = first_layer_->value();
  const int last = last_layer_->value();
  if (first == 0 && last == last_layer_->maximum()) return {};
  std::vector<int> chosen;
  for (int layer = first; layer <= last; ++layer)
    chosen.push_back(layer);
  return chosen;
}

BlockShape RunPanel::blocks() const {
  return BlockShape::parse(blocks_->currentData().toString().toStdString()).value_or(BlockShape{});
}

void RunPanel::set_blocks(BlockShape blocks) {
  if (const int index = blocks_->findData(QString::fromStdString(blocks.text())); index >= 0)
    blocks_->setCurrentIndex(index);
}

void RunPanel::set_model_limits(int layers, int context_tokens) {
  const int last = std::max(0, layers - 1);
  first_layer_->setRange(0, last);
  last_layer_->setRange(0, last);
  first_layer_->setValue(0);
  last_layer_->setValue(last);
  top_length_->setMaximum(
      std::max(256, context_tokens / LengthSpinBox::kBlockTokens * LengthSpinBox::kBlockTokens));
}

void RunPanel::set_top_length(int tokens) {
  top_length_->setValue(top_length_->snapped(tokens));
}

}  // namespace afbs::ui
