#pragma once

#include <QWidget>
#include <vector>

#include "core/engine/tuning_observer.h"
#include "ui/head_cell.h"

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace afbs::ui {

class HeatmapModel;

// One head up close: its θ/τ/λ (editable: Apply overrides and pins it, through the model's undo
// stack), its pin, what was measured for it, its measurements by sequence length, and its
// search trace — every evaluation with stage, rung (length), window, θ, τ, λ, sparsity and error,
// sortable. A view: it reads the heatmap model and the run's evaluations and changes nothing
// except through the model.
class HeadInspector : public QWidget {
  Q_OBJECT
 public:
  explicit HeadInspector(HeatmapModel* model, QWidget* parent = nullptr);

  // Shows `layer`/`head` with `records`, the run's evaluations (the inspector keeps this head's).
  void show_head(int layer, int head, const std::vector<engine::EvaluationRecord>& records);
  // New evaluations of the run; kept when they are the shown head's.
  void add_records(const std::vector<engine::EvaluationRecord>& records);
  int layer() const { return layer_; }
  int head() const { return head_; }

  QTableWidget* trace_table() const { return trace_; }
  QTableWidget* length_table() const { return by_length_; }
  QDoubleSpinBox* theta_box() const { return theta_; }
  QDoubleSpinBox* tau_box() const { return tau_; }
  QDoubleSpinBox* lambda_box() const { return lambda_; }
  QPushButton* apply_button() const { return apply_; }
  QCheckBox* pin_box() const { return pin_; }

 private:
  void refresh_cell();
  void refresh_trace();
  void apply_override();

  HeatmapModel* model_;
  int layer_ = -1;
  int head_ = -1;
  std::vector<engine::EvaluationRecord> records_;  // of the shown head, in order
  QLabel* title_;
  QLabel* measured_;
  QDoubleSpinBox* theta_;
  QDoubleSpinBox* tau_;
  QDoubleSpinBox* lambda_;
  QPushButton* apply_;
  QCheckBox* pin_;
  QTableWidget* by_length_;
  QTableWidget* trace_;
  bool refreshing_ = false;
};

}  // namespace afbs::ui
