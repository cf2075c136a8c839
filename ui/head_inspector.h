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
class QTabWidget;

namespace afbs::ui {

class HeadPicturePanel;
class HeadPictureService;
class HeatmapModel;

// One head up close: its θ/τ/λ (editable: Apply overrides and pins it, through the model's undo
// stack), its pin, what was measured for it, its measurements by sequence length, and its
// search trace — every evaluation with stage, rung (length), window, θ, τ, λ, sparsity and error,
// sortable — and, in its Block mask tab, the head's block mask and pooled attention at each rung
// at its current θ/τ/λ (computed by a HeadPictureService on the worker thread). A view: it reads
// the heatmap model and the run's evaluations and changes nothing except through the model.
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
  QTabWidget* detail_tabs() const { return details_; }
  HeadPicturePanel* picture_panel() const { return pictures_; }

  // Where the Block mask tab gets its pictures (none: it says to open a model).
  void set_picture_service(HeadPictureService* service);
  // Asks again for the shown head's pictures when the Block mask tab is showing (after a run
  // has captured new Q/K/V, say).
  void refresh_pictures();

 private:
  void refresh_cell();
  void refresh_trace();
  void apply_override();
  void request_pictures_if_shown();

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
  QTabWidget* details_;
  HeadPicturePanel* pictures_;
  HeadPictureService* picture_service_ = nullptr;
  // What the pictures shown (or asked for) are of: layer, head and setting.
  struct PictureKey {
    int layer = -1, head = -1;
    double theta = 0, tau = 0, lambda = 0;
    bool operator==(const PictureKey&) const = default;
  };
  PictureKey pictures_of_;
  bool refreshing_ = false;
};

}  // namespace afbs::ui
