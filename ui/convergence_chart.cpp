#include "ui/convergence_chart.h"

#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QCursor>
#include <QGraphicsLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPushButton>
#include <QScatterSeries>
#include <QSplitter>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <set>

#include "ui/chart_theme.h"
#include "ui/chart_zoom.h"
#include "ui/stage_colors.h"

namespace afbs::ui {
namespace {

constexpr std::array<engine::Stage, ConvergenceChart::kStageCount> kStages = {
    engine::Stage::Exploration, engine::Stage::TauSearch, engine::Stage::PvSearch,
    engine::Stage::Validation,  engine::Stage::Grid,      engine::Stage::Random};

QChart* make_chart(const QString& title, const QPalette& palette) {
  auto* chart = new QChart;
  apply_palette_theme(chart, palette);
  chart->setTitle(title);
  chart->setAnimationOptions(QChart::NoAnimation);  // live series: animations cost every redraw
  chart->setMargins(QMargins(ConvergenceChart::kChartMargin, ConvergenceChart::kChartMargin,
                             ConvergenceChart::kChartMargin, ConvergenceChart::kChartMargin));
  return chart;
}

QValueAxis* add_axis(QChart* chart, Qt::Alignment alignment, const QString& title) {
  auto* axis = new QValueAxis(chart);
  axis->setTitleText(title);
  // Value axes share one fixed format: labels of equal width keep both plots' left edges at the
  // same pixel (align_plot_areas covers what is still different, such as errors ≥ 10).
  axis->setLabelFormat(alignment == Qt::AlignBottom ? "%d" : "%.3f");
  chart->addAxis(axis, alignment);
  return axis;
}

template <typename Series>
Series* add_series(QChart* chart, QValueAxis* x, QValueAxis* y, const QString& name,
                   const QString& object_name) {
  auto* series = new Series(chart);
  series->setName(name);
  series->setObjectName(object_name);
  chart->addSeries(series);
  series->attachAxis(x);
  series->attachAxis(y);
  return series;
}

QScatterSeries* add_stage_series(QChart* chart, QValueAxis* x, QValueAxis* y, engine::Stage stage,
                                 const QString& prefix) {
  auto* series = add_series<QScatterSeries>(chart, x, y, engine::stage_name(stage),
                                            prefix + engine::stage_name(stage));
  series->setMarkerSize(7.0);
  series->setColor(stage_color(stage));
  series->setBorderColor(stage_color(stage).darker(130));
  return series;
}

QLineSeries* add_line(QChart* chart, QValueAxis* x, QValueAxis* y, const QString& name,
                      const QString& object_name, const QColor& color, Qt::PenStyle style) {
  auto* series = add_series<QLineSeries>(chart, x, y, name, object_name);
  QPen pen(color);
  pen.setWidthF(2.0);
  pen.setStyle(style);
  series->setPen(pen);
  return series;
}

// Best objective so far as a step line: a corner where it rises, one point at the end. Only the
// corners are stored, so flat runs do not pile up points.
QList<QPointF> best_so_far(const std::vector<double>& values) {
  QList<QPointF> points;
  if (values.empty()) return points;
  double best = values.front();
  points.append(QPointF(1.0, best));
  for (std::size_t i = 1; i < values.size(); ++i) {
    if (values[i] <= best) continue;
    points.append(QPointF(double(i + 1), best));
    best = values[i];
    points.append(QPointF(double(i + 1), best));
  }
  if (points.last().x() < double(values.size()))
    points.append(QPointF(double(values.size()), best));
  return points;
}

}  // namespace

ConvergenceChart::Point ConvergenceChart::Point::of(const engine::EvaluationRecord& record) {
  return Point{record.stage,         record.objective, record.sparsity, record.error,
               record.length_tokens, record.theta,     record.tau,      record.lambda};
}

QString ConvergenceChart::describe_evaluation(int number) const {
  const auto found = points_.find({layer_, head_});
  if (found == points_.end() || number < 1 || number > int(found->second.size())) return {};
  const Point& point = found->second[std::size_t(number - 1)];
  // Rungs are numbered by the lengths this head ran at, shortest first.
  std::set<int> lengths;
  for (const Point& other : found->second)
    lengths.insert(other.length_tokens);
  const auto rung = std::distance(lengths.begin(), lengths.find(point.length_tokens)) + 1;
  return tr("Evaluation %1 of layer %2 head %3\nstage %4, rung %5 of %6 (%7 tokens)\n"
            "θ %8  τ %9  λ %10\nsparsity %11  error %12")
      .arg(number)
      .arg(layer_)
      .arg(head_)
      .arg(QString::fromUtf8(engine::stage_name(point.stage)))
      .arg(rung)
      .arg(lengths.size())
      .arg(point.length_tokens)
      .arg(point.theta, 0, 'f', 3)
      .arg(point.tau, 0, 'f', 4)
      .arg(point.lambda, 0, 'f', 2)
      .arg(point.sparsity, 0, 'f', 3)
      .arg(point.error, 0, 'f', 4);
}

ConvergenceChart::ConvergenceChart(QWidget* parent)
    : QWidget(parent), redraw_timer_(new QTimer(this)) {
  redraw_timer_->setSingleShot(true);
  redraw_timer_->setInterval(kRedrawDelayMs);
  connect(redraw_timer_, &QTimer::timeout, this, &ConvergenceChart::redraw);

  layer_box_ = new QComboBox(this);
  layer_box_->setObjectName("convergenceLayer");
  head_box_ = new QComboBox(this);
  head_box_->setObjectName("convergenceHead");
  metric_box_ = new QComboBox(this);
  metric_box_->addItems({tr("Objective"), tr("Sparsity")});
  follow_box_ = new QCheckBox(tr("Follow run"), this);
  follow_box_->setChecked(true);
  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Layer"), this));
  controls->addWidget(layer_box_);
  controls->addWidget(new QLabel(tr("Head"), this));
  controls->addWidget(head_box_);
  controls->addWidget(new QLabel(tr("Show"), this));
  controls->addWidget(metric_box_);
  controls->addWidget(follow_box_);
  controls->addStretch();
  auto* reset_zoom = new QPushButton(tr("Reset zoom"), this);
  reset_zoom->setObjectName("convergenceResetZoom");
  reset_zoom->setToolTip(tr("Drag on a chart to zoom in, right-click to zoom out"));
  controls->addWidget(reset_zoom);

  value_chart_ = make_chart(tr("Objective per evaluation"), palette());
  value_x_ = add_axis(value_chart_, Qt::AlignBottom, tr("evaluation"));
  value_y_ = add_axis(value_chart_, Qt::AlignLeft, tr("objective"));
  error_chart_ = make_chart(tr("Error per evaluation"), palette());
  error_x_ = add_axis(error_chart_, Qt::AlignBottom, tr("evaluation"));
  error_y_ = add_axis(error_chart_, Qt::AlignLeft, tr("relative L1"));
  for (std::size_t i = 0; i < kStages.size(); ++i) {
    value_by_stage_[i] = add_stage_series(value_chart_, value_x_, value_y_, kStages[i], "value:");
    error_by_stage_[i] = add_stage_series(error_chart_, error_x_, error_y_, kStages[i], "error:");
    for (QScatterSeries* series : {value_by_stage_[i], error_by_stage_[i]}) {
      connect(series, &QScatterSeries::hovered, this, [this](const QPointF& point, bool entered) {
        if (entered) {
          QToolTip::showText(QCursor::pos(), describe_evaluation(int(std::lround(point.x()))));
        } else {
          QToolTip::hideText();
        }
      });
    }
  }
  best_ = add_line(value_chart_, value_x_, value_y_, tr("best so far"), "best",
                   chart_ink(palette()), Qt::SolidLine);
  baseline_best_ = add_line(value_chart_, value_x_, value_y_, tr("grid baseline"), "baseline",
                            QColor(120, 120, 120), Qt::DashLine);
  target_line_ = add_line(error_chart_, error_x_, error_y_, tr("target"), "target",
                          QColor(200, 40, 40), Qt::DashLine);
  error_chart_->legend()->hide();  // same colours as the chart above
  // Above the plot, not beside it: both plots then span the same width (aligned x axes).
  value_chart_->legend()->setAlignment(Qt::AlignTop);

  auto* splitter = new QSplitter(Qt::Vertical, this);
  for (QChart* chart : {value_chart_, error_chart_}) {
    auto* view = new QChartView(chart, splitter);
    view->setRenderHint(QPainter::Antialiasing);
    splitter->addWidget(view);
    ChartZoom* zoom = ChartZoom::install(view);
    connect(zoom, &ChartZoom::reset, this, &ConvergenceChart::reset_zoom);
    connect(chart, &QChart::plotAreaChanged, this, &ConvergenceChart::align_plot_areas);
  }
  connect(reset_zoom, &QPushButton::clicked, this, &ConvergenceChart::reset_zoom);
  // Zooming one chart's evaluations zooms the other's to the same ones.
  connect(value_x_, &QValueAxis::rangeChanged, this, [this](qreal low, qreal high) {
    if (error_x_->min() != low || error_x_->max() != high) error_x_->setRange(low, high);
  });
  connect(error_x_, &QValueAxis::rangeChanged, this, [this](qreal low, qreal high) {
    if (value_x_->min() != low || value_x_->max() != high) value_x_->setRange(low, high);
  });
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(splitter, 1);

  connect(layer_box_, &QComboBox::currentIndexChanged, this,
          &ConvergenceChart::on_selector_changed);
  connect(head_box_, &QComboBox::currentIndexChanged, this, &ConvergenceChart::on_selector_changed);
  connect(metric_box_, &QComboBox::currentIndexChanged, this,
          [this](int index) { set_show_sparsity(index == 1); });
  connect(follow_box_, &QCheckBox::toggled, this, &ConvergenceChart::set_follow_run);
  redraw();
}

void ConvergenceChart::add_record(const engine::EvaluationRecord& record) {
  points_[{record.layer, record.head}].push_back(Point::of(record));
  latest_layer_ = record.layer;
  latest_head_ = record.head;
  schedule_redraw();
}

void ConvergenceChart::select(int layer, int head) {
  layer_ = layer;
  head_ = head;
  schedule_redraw();
}

void ConvergenceChart::set_follow_run(bool follow) {
  follow_run_ = follow;
  follow_box_->setChecked(follow);
  schedule_redraw();
}

void ConvergenceChart::set_show_sparsity(bool show_sparsity) {
  show_sparsity_ = show_sparsity;
  metric_box_->setCurrentIndex(show_sparsity ? 1 : 0);
  value_chart_->setTitle(show_sparsity ? tr("Sparsity per evaluation")
                                       : tr("Objective per evaluation"));
  value_y_->setTitleText(show_sparsity ? tr("sparsity") : tr("objective"));
  schedule_redraw();
}

void ConvergenceChart::set_error_target(double error) {
  error_target_ = error;
  schedule_redraw();
}

void ConvergenceChart::set_baseline(const std::vector<engine::EvaluationRecord>& records,
                                    const QString& name) {
  baseline_.clear();
  baseline_best_->setName(name);
  for (const auto& record : records)
    baseline_[{record.layer, record.head}].push_back(Point::of(record));
  schedule_redraw();
}

void ConvergenceChart::clear() {
  points_.clear();
  latest_layer_ = -1;
  schedule_redraw();
}

QXYSeries* ConvergenceChart::value_series(engine::Stage stage) const {
  return value_by_stage_[static_cast<std::size_t>(stage)];
}
QXYSeries* ConvergenceChart::error_series(engine::Stage stage) const {
  return error_by_stage_[static_cast<std::size_t>(stage)];
}
void ConvergenceChart::add_records(const std::vector<engine::EvaluationRecord>& records) {
  for (const engine::EvaluationRecord& record : records)
    add_record(record);
}

QXYSeries* ConvergenceChart::best_series() const {
  return best_;
}
QXYSeries* ConvergenceChart::baseline_series() const {
  return baseline_best_;
}

bool ConvergenceChart::zoomed() const {
  return value_chart_->isZoomed() || error_chart_->isZoomed();
}

void ConvergenceChart::reset_zoom() {
  value_chart_->zoomReset();
  error_chart_->zoomReset();
  redraw();
}

void ConvergenceChart::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  // Labels laid out while hidden may not have reported a plot area change.
  QTimer::singleShot(0, this, &ConvergenceChart::align_plot_areas);
}

void ConvergenceChart::align_plot_areas() {
  // Each plot's left edge depends on its y labels' width. Give the chart whose labels are
  // narrower the extra left margin, so both x axes start at the same pixel.
  const QChart* charts[] = {value_chart_, error_chart_};
  qreal natural[2];
  for (int i = 0; i < 2; ++i)
    natural[i] = charts[i]->plotArea().left() - (charts[i]->margins().left() - kChartMargin);
  const qreal widest = std::max(natural[0], natural[1]);
  for (int i = 0; i < 2; ++i) {
    const int left = kChartMargin + int(std::lround(widest - natural[i]));
    QChart* chart = i == 0 ? value_chart_ : error_chart_;
    if (chart->margins().left() != left) {
      QMargins margins = chart->margins();
      margins.setLeft(left);
      chart->setMargins(margins);
    }
  }
}

void ConvergenceChart::schedule_redraw() {
  if (!redraw_timer_->isActive()) redraw_timer_->start();
}

void ConvergenceChart::on_selector_changed() {
  if (updating_selectors_) return;
  // Picking a head by hand means the person wants to look at it, not at the running layer.
  if (layer_box_->currentIndex() >= 0) layer_ = layer_box_->currentData().toInt();
  if (head_box_->currentIndex() >= 0) head_ = head_box_->currentData().toInt();
  set_follow_run(false);
}

void ConvergenceChart::refresh_selectors() {
  std::set<int> layers;
  std::set<int> heads;
  for (const auto& entry : points_) {
    layers.insert(entry.first.first);
    heads.insert(entry.first.second);
  }
  updating_selectors_ = true;
  auto fill = [](QComboBox* box, const std::set<int>& values, int current) {
    bool same = box->count() == int(values.size());
    int row = 0;
    for (int value : values)
      same = same && box->itemData(row++).toInt() == value;
    if (!same) {
      box->clear();
      for (int value : values)
        box->addItem(QString::number(value), value);
    }
    box->setCurrentIndex(box->findData(current));
  };
  fill(layer_box_, layers, layer_);
  fill(head_box_, heads, head_);
  updating_selectors_ = false;
}

void ConvergenceChart::redraw() {
  ++redraw_count_;
  if (follow_run_ && latest_layer_ >= 0) {
    layer_ = latest_layer_;
    // A run on a few heads (a re-tune) may not have the shown head: show the one it tunes.
    if (!points_.contains({layer_, head_})) head_ = latest_head_;
  }
  refresh_selectors();

  std::array<QList<QPointF>, kStageCount> values;
  std::array<QList<QPointF>, kStageCount> errors;
  std::vector<double> objectives;
  double max_error = std::max(error_target_, 0.0);
  const auto found = points_.find({layer_, head_});
  if (found != points_.end()) {
    int x = 0;
    for (const Point& point : found->second) {
      ++x;
      const auto stage = static_cast<std::size_t>(point.stage);
      values[stage].append(QPointF(x, show_sparsity_ ? point.sparsity : point.objective));
      errors[stage].append(QPointF(x, point.error));
      objectives.push_back(point.objective);
      max_error = std::max(max_error, point.error);
    }
  }
  for (std::size_t i = 0; i < kStageCount; ++i) {
    value_by_stage_[i]->replace(values[i]);
    error_by_stage_[i]->replace(errors[i]);
    // The legend lists only the stages this head went through.
    for (QLegendMarker* marker : value_chart_->legend()->markers(value_by_stage_[i]))
      marker->setVisible(!values[i].isEmpty());
  }
  best_->replace(best_so_far(objectives));

  std::vector<double> baseline_objectives;
  const auto base = baseline_.find({layer_, head_});
  if (base != baseline_.end())
    for (const Point& point : base->second)
      baseline_objectives.push_back(point.objective);
  baseline_best_->replace(best_so_far(baseline_objectives));
  baseline_best_->setVisible(!baseline_objectives.empty());
  for (QLegendMarker* marker : value_chart_->legend()->markers(baseline_best_))
    marker->setVisible(!baseline_objectives.empty());
  // Marker visibility alone does not re-lay the legend out (Qt 6.4).
  if (QGraphicsLayout* legend_layout = value_chart_->legend()->layout())
    legend_layout->invalidate();

  // A zoom the person made stays until they reset it; new points arrive inside or outside it.
  if (!zoomed()) {
    // The axis fits this head's own evaluations: a long grid baseline (hundreds of evaluations)
    // would squeeze them into a sliver; its curve runs on past the right edge instead.
    const double count =
        double(objectives.empty() ? baseline_objectives.size() : objectives.size());
    const double x_max = std::max(10.0, count + 1.0);
    // Nice numbers keep tick labels short (0, 10, 20 rather than 0, 9, 18).
    for (QValueAxis* axis : {value_x_, error_x_}) {
      axis->setRange(0.0, x_max);
      axis->applyNiceNumbers();
    }
    value_y_->setRange(0.0, 1.0);
    error_y_->setRange(0.0, max_error > 0.0 ? max_error * 1.1 : 0.1);
    error_y_->applyNiceNumbers();
  }
  QTimer::singleShot(0, this, &ConvergenceChart::align_plot_areas);  // after the axes' relayout
  target_line_->replace(
      error_target_ >= 0.0
          ? QList<QPointF>{QPointF(0.0, error_target_), QPointF(error_x_->max(), error_target_)}
          : QList<QPointF>{});
}

}  // namespace afbs::ui
