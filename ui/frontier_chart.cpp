#include "ui/frontier_chart.h"

#include <QChart>
#include <QScatterSeries>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "ui/chart_zoom.h"

namespace afbs::ui {
namespace {

QColor color_for(int index) {
  static const QColor colors[] = {
      QColor(78, 121, 167), QColor(242, 142, 43),  QColor(89, 161, 79), QColor(176, 122, 161),
      QColor(156, 117, 95), QColor(118, 183, 178), QColor(237, 201, 72)};
  return colors[index % 7];
}

}  // namespace

FrontierChart::FrontierChart(QWidget* parent) : QChartView(parent) {
  auto* chart = new QChart;
  chart->setAnimationOptions(QChart::NoAnimation);
  rise_axis_ = new QValueAxis(chart);
  rise_axis_->setTitleText(tr("perplexity rise (%)"));
  sparsity_axis_ = new QValueAxis(chart);
  sparsity_axis_->setTitleText(tr("mean sparsity"));
  chart->addAxis(rise_axis_, Qt::AlignBottom);
  chart->addAxis(sparsity_axis_, Qt::AlignLeft);
  chart->legend()->setAlignment(Qt::AlignRight);
  setChart(chart);
  setRenderHint(QPainter::Antialiasing);
  // Drag to zoom in, right-click to zoom out, double-click to fit the data again.
  connect(ChartZoom::install(this), &ChartZoom::reset, this, [this] { fit_axes(); });
  chosen_ = new QScatterSeries(chart);
  chosen_->setName(tr("last run"));
  chosen_->setObjectName("chosen");
  chosen_->setMarkerSize(16.0);
  chosen_->setColor(Qt::transparent);
  chosen_->setBorderColor(QColor(200, 30, 30));
  chart->addSeries(chosen_);
  chosen_->attachAxis(rise_axis_);
  chosen_->attachAxis(sparsity_axis_);
  fit_axes();
}

QScatterSeries* FrontierChart::series(const QString& name) const {
  for (QAbstractSeries* s : chart()->series())
    if (s != chosen_ && s->name() == name) return qobject_cast<QScatterSeries*>(s);
  return nullptr;
}

QScatterSeries* FrontierChart::series_for(const QString& name) {
  if (QScatterSeries* existing = series(name)) return existing;
  auto* s = new QScatterSeries(chart());
  s->setName(name);
  s->setObjectName(name);
  s->setMarkerSize(name == probes_name() ? 7.0 : 10.0);
  s->setColor(color_for(static_cast<int>(chart()->series().size()) - 1));
  chart()->addSeries(s);
  s->attachAxis(rise_axis_);
  s->attachAxis(sparsity_axis_);
  return s;
}

bool FrontierChart::add_run(const QString& method, const engine::RunResult& run,
                            const std::optional<engine::QualityPoint>& top_length_point) {
  double dense = 0.0;
  double tuned = 0.0;
  if (run.perplexity_dense && run.perplexity_tuned) {
    dense = *run.perplexity_dense;
    tuned = *run.perplexity_tuned;
  } else if (top_length_point) {
    dense = top_length_point->perplexity_dense;
    tuned = top_length_point->perplexity_tuned;
  }
  if (!(dense > 0.0) || !std::isfinite(tuned)) return false;
  for (const engine::BudgetProbe& probe : run.budget_probes) {
    series_for(probes_name())->append(100.0 * probe.rise, probe.mean_sparsity);
  }
  add_point(method, tuned / dense - 1.0, engine::summarise_heads(run).mean_sparsity);
  return true;
}

void FrontierChart::add_point(const QString& method, double rise, double sparsity) {
  series_for(method)->append(100.0 * rise, sparsity);
  chosen_->replace({QPointF(100.0 * rise, sparsity)});
  fit_axes();
}

void FrontierChart::clear() {
  for (QAbstractSeries* s : chart()->series()) {
    if (s != chosen_) chart()->removeSeries(s), delete s;
  }
  chosen_->clear();
  fit_axes();
}

void FrontierChart::fit_axes() {
  double low = 0.0, high = 0.0, top = 0.0;
  bool any = false;
  for (QAbstractSeries* s : chart()->series()) {
    for (const QPointF& p : static_cast<QXYSeries*>(s)->points()) {
      low = any ? std::min(low, p.x()) : p.x();
      high = any ? std::max(high, p.x()) : p.x();
      top = std::max(top, p.y());
      any = true;
    }
  }
  chart()->setTitle(any ? tr("Sparsity against perplexity rise (runs of this session)")
                        : tr("Sparsity against perplexity rise (no finished run yet)"));
  const double pad = std::max(0.1, 0.1 * (high - low));
  rise_axis_->setRange(std::min(0.0, low) - pad, std::max(1.0, high) + pad);
  rise_axis_->applyNiceNumbers();  // ticks at 1, 2 or 5 × 10^k, the range widened to fit
  sparsity_axis_->setRange(0.0, std::max(0.1, std::min(1.0, top * 1.15)));
  sparsity_axis_->applyNiceNumbers();
}

}  // namespace afbs::ui
