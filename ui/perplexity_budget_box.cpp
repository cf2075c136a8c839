#include "ui/perplexity_budget_box.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QVBoxLayout>

#include "ui/run_settings.h"
#include "ui/wheel_guard.h"

namespace afbs::ui {

PerplexityBudgetBox::PerplexityBudgetBox(QWidget* parent) : QWidget(parent) {
  auto* column = new QVBoxLayout(this);
  column->setContentsMargins(0, 0, 0, 0);
  budget_ = new QDoubleSpinBox(this);
  budget_->setObjectName("perplexityBudget");
  budget_->setRange(0.0, 100.0 * RunSettings::kMaxPerplexityBudget);
  budget_->setDecimals(2);
  budget_->setSingleStep(0.25);
  budget_->setSuffix(tr(" %"));
  budget_->setSpecialValueText(tr("off"));
  budget_->setToolTip(
      tr("AFBS-BO only: the most sparsity whose perplexity rise on the calibration windows stays "
         "within this budget (ε₁ and ε₂ are scaled to spend it, each layer then refined alone). "
         "Off: the targets above, the guard only tightens."));
  price_ = new QCheckBox(tr("also try a price allocation"), this);
  price_->setObjectName("priceAllocation");
  price_->setToolTip(
      tr("Also try each head's τ chosen by a price on error (sparsity − p·error over its "
         "measured points, p searched like the multiplier); kept only if sparser within the "
         "budget. --price-allocation in afbs-tune."));
  sensitivity_ = new QCheckBox(tr("also try per-layer sensitivity"), this);
  sensitivity_->setObjectName("layerSensitivity");
  sensitivity_->setToolTip(
      tr("Also measure each layer alone at a menu of settings (AFBS-BO at ε × 1, 2, 4; "
         "windows of sparsity 0.5 to 0.95), one perplexity pass each, and give the less "
         "sensitive layers the looser settings; kept only if sparser within the budget. "
         "Slow: about 10 passes per layer with this menu. --layer-sensitivity in afbs-tune."));
  problem_ = new QLabel(this);
  problem_->setObjectName("budgetProblem");
  problem_->setWordWrap(true);
  problem_->setStyleSheet(QStringLiteral("color: #c0392b;"));  // the message bar's error red
  column->addWidget(budget_);
  column->addWidget(price_);
  column->addWidget(sensitivity_);
  column->addWidget(problem_);
  WheelGuard::install(budget_);
  connect(budget_, &QDoubleSpinBox::valueChanged, this, [this] { refresh(); });
  refresh();
}

double PerplexityBudgetBox::budget() const {
  return budget_->value() / 100.0;
}
bool PerplexityBudgetBox::price_allocation() const {
  return price_->isChecked();
}
bool PerplexityBudgetBox::layer_sensitivity() const {
  return sensitivity_->isChecked();
}

void PerplexityBudgetBox::set_values(double budget, bool price_allocation, bool layer_sensitivity) {
  budget_->setValue(100.0 * budget);
  price_->setChecked(price_allocation);
  sensitivity_->setChecked(layer_sensitivity);
}

void PerplexityBudgetBox::set_method(const QString& method) {
  method_ = method;
  refresh();
}

QString PerplexityBudgetBox::problem() const {
  if (budget() > 0.0 && method_ != QStringLiteral("afbs-bo")) {
    return tr("A perplexity budget is for afbs-bo only: choose afbs-bo or set the budget to off.");
  }
  return {};
}

void PerplexityBudgetBox::apply_to(engine::EngineOptions& options) const {
  if (budget() <= 0.0) return;
  options.budget.enabled = true;
  options.afbs.perplexity_budget = budget();
  options.budget.price_allocation = price_allocation();
  options.budget.layer_sensitivity = layer_sensitivity();
}

QString PerplexityBudgetBox::allocations_text() const {
  QString text = tr("equal targets");
  if (price_allocation()) text += tr(" + price");
  if (layer_sensitivity()) text += tr(" + layer sensitivity");
  return text;
}

void PerplexityBudgetBox::set_editable(bool editable) {
  editable_ = editable;
  refresh();
}

// The allocations mean something only with a budget and afbs-bo (afbs-tune refuses them
// otherwise).
void PerplexityBudgetBox::refresh() {
  const bool allocations = editable_ && budget() > 0.0 && method_ == QStringLiteral("afbs-bo");
  budget_->setEnabled(editable_);
  price_->setEnabled(allocations);
  sensitivity_->setEnabled(allocations);
  problem_->setText(problem());
  problem_->setVisible(!problem_->text().isEmpty());
}

}  // namespace afbs::ui
