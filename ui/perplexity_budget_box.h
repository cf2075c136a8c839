#pragma once

#include <QWidget>

#include "core/engine/engine_options.h"

class QCheckBox;
class QDoubleSpinBox;
class QLabel;

namespace afbs::ui {

// Budget mode in the run panel (issue 13), as `afbs-tune tune --perplexity-budget P
// [--price-allocation] [--layer-sensitivity]` takes it: the budget (0: off), and which
// allocations to try beside equal targets, which are always tried. A message under the fields
// says when they cannot start a run.
class PerplexityBudgetBox : public QWidget {
  Q_OBJECT
 public:
  explicit PerplexityBudgetBox(QWidget* parent = nullptr);

  // The budget as a fraction (0.01 = 1 %); 0: off (uniform targets, the guard only).
  double budget() const;
  bool price_allocation() const;
  bool layer_sensitivity() const;
  void set_values(double budget, bool price_allocation, bool layer_sensitivity);

  // The run's method: a budget runs with afbs-bo only.
  void set_method(const QString& method);
  // Why these settings cannot start a run, in a sentence; empty when they can.
  QString problem() const;
  // With a budget set: turns budget mode on in `options` with the chosen allocations.
  void apply_to(engine::EngineOptions& options) const;
  // "equal targets + price + layer sensitivity": what a budget run will try.
  QString allocations_text() const;

  void set_editable(bool editable);

 private:
  void refresh();

  QDoubleSpinBox* budget_ = nullptr;
  QCheckBox* price_ = nullptr;
  QCheckBox* sensitivity_ = nullptr;
  QLabel* problem_ = nullptr;
  QString method_ = QStringLiteral("afbs-bo");
  bool editable_ = true;
};

}  // namespace afbs::ui
