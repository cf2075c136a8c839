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
// Lines named "dense…" are dashed ink, "tuned…" blue; measured ones ("… (measured)") dotted.
QPen pen_for(const QString& name, const QPalette& palette, qsizetype index) {
  QPen pen;
  pen.setWidthF(2.0);
  if (name.startsWith(QLatin1String("dense"))) {
    pen.setColor(chart_ink(palette));
    pen.setStyle(Qt::DashLine);
  } else if (name.startsWith(QLatin1String("tuned"))) {
    pen.setColor(QColor(78, 121, 167));
  } else {
    const QColor others[] = {QColor(176, 122, 161), QColor(156, 117, 95), QColor(89, 161, 79)};
    pen.setColor(others[index % 3]);
  }
  if (name.endsWith(QLatin1String("(measured)"))) pen.setStyle(Qt::DotLine);
  return pen;
}

struct Range {
  double min_length = std::numeric_limits<double>::infinity();
  double max_length = 0.0;
  double min_value = std::numeric_limits<double>::infinity();
  double max_value = 0.0;
};

void fit_value_axis(QValueAxis* axis, const Range& range) {
  const double pad = std::max(0.05 * (range.max_value - range.min_value), 0.05 * range.max_value);
  axis->setRange(std::max(0.0, range.min_value - pad), range.max_value + pad);
  axis->applyNiceNumbers();
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
  right_axis_ = new QValueAxis(chart);
  right_axis_->setVisible(false);
  chart->addAxis(length_axis_, Qt::AlignBottom);
  chart->addAxis(value_axis_, Qt::AlignLeft);
  chart->addAxis(right_axis_, Qt::AlignRight);
  chart->legend()->setAlignment(Qt::AlignRight);
  setChart(chart);
  setRenderHint(QPainter::Antialiasing);
  fit_axes();
  // Drag to zoom in, right-click to zoom out, double-click to fit the data again.
  connect(ChartZoom::install(this), &ChartZoom::reset, this, [this] { fit_axes(); });
}

void QualityChart::set_curve(const QString& name, const std::vector<int>& lengths_tokens,
                             const std::vector<double>& values, Side side) {
  QLineSeries* series = curve(name);
  if (series == nullptr) {
    series = new QLineSeries(chart());
    series->setName(name);
    series->setObjectName(name);
    series->setPen(pen_for(name, palette(), chart()->series().size()));
    series->setPointsVisible(true);
    chart()->addSeries(series);
    series->attachAxis(length_axis_);
    series->attachAxis(side == Side::Right ? right_axis_ : value_axis_);
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

void QualityChart::set_right_axis_title(const QString& title) {
  right_axis_->setTitleText(title);
}

void QualityChart::set_value_format(const QString& format) {
  value_axis_->setLabelFormat(format);
  right_axis_->setLabelFormat(format);
}

void QualityChart::set_note(const QString& note) {
  note_ = note;
  fit_axes();
}

QLineSeries* QualityChart::curve(const QString& name) const {
  for (QAbstractSeries* series : chart()->series())
    if (series->name() == name) return qobject_cast<QLineSeries*>(series);
  return nullptr;
}

void QualityChart::fit_axes() {
  Range left, right;
  for (QAbstractSeries* series : chart()->series()) {
    Range& range = series->attachedAxes().contains(right_axis_) ? right : left;
    for (const QPointF& point : static_cast<QXYSeries*>(series)->points()) {
      range.min_length = std::min(range.min_length, point.x());
      range.max_length = std::max(range.max_length, point.x());
      range.min_value = std::min(range.min_value, point.y());
      range.max_value = std::max(range.max_value, point.y());
    }
  }
  right_axis_->setVisible(right.max_length > 0.0);
  const double min_length = std::min(left.min_length, right.min_length);
  const double max_length = std::max(left.max_length, right.max_length);
  QString title = tr("%1 vs sequence length").arg(quantity_);
  title[0] = title[0].toUpper();
  if (max_length <= 0.0) {
    chart()->setTitle(tr("%1 (no measurements yet)").arg(title));
    return;
  }
  chart()->setTitle(note_.isEmpty() ? title : tr("%1 (%2)").arg(title, note_));
  length_axis_->setRange(min_length / 1.5, max_length * 1.5);
  if (left.max_length > 0.0) fit_value_axis(value_axis_, left);
  if (right.max_length > 0.0) fit_value_axis(right_axis_, right);
}

}  // namespace afbs::ui
