#include "ui/quality_chart.h"

#include <QChart>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <limits>

#include "ui/chart_theme.h"
#include "ui/chart_zoom.h"

namespace afbs::ui {
namespace {

// `index`: how many lines the chart had before this one, so two compared runs differ in colour.
QPen pen_for(const QString& name, const QPalette& palette, qsizetype index) {
  QPen pen;
  pen.setWidthF(2.0);
  if (name == QLatin1String("dense")) {
    pen.setColor(chart_ink(palette));
    pen.setStyle(Qt::DashLine);
  } else if (name == QLatin1String("tuned")) {
    pen.setColor(QColor(78, 121, 167));
  } else {
    const QColor others[] = {QColor(176, 122, 161), QColor(156, 117, 95), QColor(89, 161, 79)};
    pen.setColor(others[index % 3]);
  }
  return pen;
}

}  // namespace

QualityChart::QualityChart(const QString& quantity, const QString& axis_title, QWidget* parent)
    : QChartView(parent), quantity_(quantity) {
  auto* chart = new QChart;
  apply_palette_theme(chart, palette());
  chart->setAnimationOptions(QChart::NoAnimation);
  length_axis_ = new QLogValueAxis(chart);
  length_axis_->setBase(2.0);
  length_axis_->setLabelFormat("%d");
  length_axis_->setTitleText(tr("sequence length (tokens)"));
  length_axis_->setRange(256, 8192);
  value_axis_ = new QValueAxis(chart);
  value_axis_->setTitleText(axis_title.isEmpty() ? quantity_ : axis_title);
  value_axis_->setRange(0.0, 10.0);
  chart->addAxis(length_axis_, Qt::AlignBottom);
  chart->addAxis(value_axis_, Qt::AlignLeft);
  chart->legend()->setAlignment(Qt::AlignRight);
  setChart(chart);
  setRenderHint(QPainter::Antialiasing);
  fit_axes();
  // Drag to zoom in, right-click to zoom out, double-click to fit the data again.
  connect(ChartZoom::install(this), &ChartZoom::reset, this, [this] { fit_axes(); });
}

void QualityChart::set_curve(const QString& name, const std::vector<int>& lengths_tokens,
                             const std::vector<double>& values) {
  QLineSeries* series = curve(name);
  if (series == nullptr) {
    series = new QLineSeries(chart());
    series->setName(name);
    series->setObjectName(name);
    series->setPen(pen_for(name, palette(), chart()->series().size()));
    series->setPointsVisible(true);
    chart()->addSeries(series);
    series->attachAxis(length_axis_);
    series->attachAxis(value_axis_);
  }
  QList<QPointF> points;
  const std::size_t count = std::min(lengths_tokens.size(), values.size());
  for (std::size_t i = 0; i < count; ++i)
    if (lengths_tokens[i] > 0 && std::isfinite(values[i]))  // a log axis cannot show 0
      points.append(QPointF(lengths_tokens[i], values[i]));
  series->replace(points);
  fit_axes();
}

void QualityChart::clear_curves() {
  chart()->removeAllSeries();
  fit_axes();
}

QLineSeries* QualityChart::curve(const QString& name) const {
  for (QAbstractSeries* series : chart()->series())
    if (series->name() == name) return qobject_cast<QLineSeries*>(series);
  return nullptr;
}

void QualityChart::fit_axes() {
  double min_length = std::numeric_limits<double>::infinity();
  double max_length = 0.0;
  double max_value = 0.0;
  double min_value = std::numeric_limits<double>::infinity();
  for (QAbstractSeries* series : chart()->series()) {
    for (const QPointF& point : static_cast<QXYSeries*>(series)->points()) {
      min_length = std::min(min_length, point.x());
      max_length = std::max(max_length, point.x());
      min_value = std::min(min_value, point.y());
      max_value = std::max(max_value, point.y());
    }
  }
  QString title = tr("%1 vs sequence length").arg(quantity_);
  title[0] = title[0].toUpper();
  if (max_length <= 0.0) {
    chart()->setTitle(tr("%1 (no measurements yet)").arg(title));
    return;
  }
  chart()->setTitle(title);
  length_axis_->setRange(min_length / 1.5, max_length * 1.5);
  const double pad = std::max(0.05 * (max_value - min_value), 0.05 * max_value);
  value_axis_->setRange(std::max(0.0, min_value - pad), max_value + pad);
  value_axis_->applyNiceNumbers();
}

}  // namespace afbs::ui
