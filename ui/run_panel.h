#pragma once

#include <QGroupBox>
#include <vector>

#include "ui/run_settings.h"

class QDoubleSpinBox;
class QComboBox;
class QPushButton;
class QSpinBox;

namespace afbs::ui {

class LengthSpinBox;
class PerplexityBudgetBox;

// Run controls: targets, method, perplexity budget, top length, layers, start / pause / cancel.
class RunPanel : public QGroupBox {
  Q_OBJECT
 public:
  explicit RunPanel(QWidget* parent = nullptr);

  double l1_target() const;
  double pv_l1_target() const;
  // The perplexity budget as a fraction (0.01 = 1 %); 0: off (uniform targets, guard only).
  double perplexity_budget() const;
  // Budget mode's fields: the budget, the allocations, and why they cannot run (if so).
  PerplexityBudgetBox* budget_box() const { return budget_; }
  QString method() const;
  // The preset a "static" run measures (sparge-default, topk:F, window:W, dense).
  QString preset() const;
  // n_F in tokens (a multiple of 64); the ladder is n_F/4, n_F/2, n_F.
  int top_length() const;
  // The layers to tune, in order; empty when every layer is chosen.
  std::vector<int> layers() const;
  // The block shape a run tunes for; opening a config sets it to the config's.
  BlockShape blocks() const;
  void set_blocks(BlockShape blocks);

  // What the loaded model allows: its layer count and context (n_F's ceiling).
  void set_model_limits(int layers, int context_tokens);
  // Snapped to a multiple of 64 within the context.
  void set_top_length(int tokens);

  // Everything above as one value (sessions save and restore it).
  RunSettings settings() const;
  void apply_settings(const RunSettings& settings);

  // Enables the buttons that make sense: start when idle, pause and cancel while running.
  void set_running(bool running);
  // Pause reads "Resume" while the run is paused.
  void set_paused(bool paused);

 Q_SIGNALS:
  void start_requested();
  void pause_requested();
  void cancel_requested();

 private:
  QDoubleSpinBox* l1_ = nullptr;
  QDoubleSpinBox* pv_l1_ = nullptr;
  PerplexityBudgetBox* budget_ = nullptr;
  QComboBox* method_ = nullptr;
  QComboBox* preset_ = nullptr;
  QComboBox* blocks_ = nullptr;
  LengthSpinBox* top_length_ = nullptr;
  QSpinBox* first_layer_ = nullptr;
  QSpinBox* last_layer_ = nullptr;
  QPushButton* start_ = nullptr;
  QPushButton* pause_ = nullptr;
  QPushButton* cancel_ = nullptr;
};

}  // namespace afbs::ui
