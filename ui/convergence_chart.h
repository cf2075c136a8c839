#pragma once

#include <QList>
#include <QWidget>
#include <array>
#include <map>
#include <utility>
#include <vector>

#include "ui/tuning_metatypes.h"

class QChart;
class QCheckBox;
class QComboBox;
class QLineSeries;
class QScatterSeries;
class QTimer;
class QValueAxis;
class QXYSeries;

namespace afbs::ui {

// Live convergence of one head: objective (or sparsity) and error per evaluation, coloured by
// stage, with the best objective so far and, when given, a grid-search run of the same head as
// a dashed overlay. Records only append to a buffer; the series are rebuilt by a single-shot
// timer, so the redraw rate is capped however fast records arrive.
class ConvergenceChart : public QWidget {
  Q_OBJECT
 public:
  static constexpr int kRedrawDelayMs = 40;
  static constexpr int kStageCount = 6;
  static constexpr int kChartMargin = 4;

  explicit ConvergenceChart(QWidget* parent = nullptr);

  // Shows layer/head; "follow run" stays as it is.
  void select(int layer, int head);
  int selected_layer() const { return layer_; }
  int selected_head() const { return head_; }
  void set_follow_run(bool follow);
  // The upper chart shows sparsity instead of the objective (which is 0 where the error misses).
  void set_show_sparsity(bool show_sparsity);
  // Draws a dashed line at this error (no line when negative).
  void set_error_target(double error);
  // Records of another run (a grid search, or a run being compared), overlaid as their dashed
  // best-so-far per head and named `name` in the legend.
  void set_baseline(const std::vector<engine::EvaluationRecord>& records,
                    const QString& name = tr("grid baseline"));
  void clear();

  // How many times the series were rebuilt (tests check the rate cap with it).
  int redraw_count() const { return redraw_count_; }
  QXYSeries* value_series(engine::Stage stage) const;
  QXYSeries* error_series(engine::Stage stage) const;
  QXYSeries* best_series() const;
  QXYSeries* baseline_series() const;
  // What hovering evaluation `number` (1-based, as on the x axis) of the shown head says:
  // stage, rung (its number among the head's lengths, and the length), θ, τ, λ, sparsity, error;
  // empty when there is none.
  QString describe_evaluation(int number) const;
  // Drag zooms both charts to the same evaluations; the axes stop following the data until
  // reset_zoom (the Reset zoom button, or a double-click on a chart).
  bool zoomed() const;
  void reset_zoom();
  // The objective (or sparsity) chart and the error chart, for export.
  QList<QChart*> charts() const { return {value_chart_, error_chart_}; }

 public Q_SLOTS:
  void add_record(const afbs::engine::EvaluationRecord& record);
  void add_records(const std::vector<afbs::engine::EvaluationRecord>& records);

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  struct Point {
    engine::Stage stage;
    double objective;
    double sparsity;
    double error;
    int length_tokens;  // the rung it ran at
    double theta;
    double tau;
    double lambda;
    static Point of(const engine::EvaluationRecord& record);
  };
  using HeadKey = std::pair<int, int>;

  void schedule_redraw();
  void redraw();
  void align_plot_areas();
  void refresh_selectors();
  void on_selector_changed();

  std::map<HeadKey, std::vector<Point>> points_;
  std::map<HeadKey, std::vector<Point>> baseline_;
  int layer_ = 0;
  int head_ = 0;
  int latest_layer_ = -1;
  int latest_head_ = 0;
  bool follow_run_ = true;
  bool show_sparsity_ = false;
  double error_target_ = -1.0;
  int redraw_count_ = 0;
  bool updating_selectors_ = false;

  QTimer* redraw_timer_;
  QComboBox* layer_box_;
  QComboBox* head_box_;
  QComboBox* metric_box_;
  QCheckBox* follow_box_;
  QChart* value_chart_;
  QChart* error_chart_;
  QValueAxis* value_x_;
  QValueAxis* value_y_;
  QValueAxis* error_x_;
  QValueAxis* error_y_;
  std::array<QScatterSeries*, kStageCount> value_by_stage_{};
  std::array<QScatterSeries*, kStageCount> error_by_stage_{};
  QLineSeries* best_;
  QLineSeries* baseline_best_;
  QLineSeries* target_line_;
};

}  // namespace afbs::ui
