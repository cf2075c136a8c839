#pragma once

#include <QChartView>
#include <QString>
#include <optional>
#include <vector>

#include "core/engine/tuning_engine.h"

class QScatterSeries;
class QValueAxis;

namespace afbs::ui {

// The sparsity-quality frontier of the runs made in this window (issue 13): mean sparsity
// against perplexity rise on the calibration windows, one series per method, a budget run's
// probes as a series of their own, and the last run's config highlighted. Takes plain values.
class FrontierChart : public QChartView {
  Q_OBJECT
 public:
  explicit FrontierChart(QWidget* parent = nullptr);

  // Adds a finished run under `method`: its perplexity from the guard when it ran, else from
  // the Quality point at the top length. Returns false (and adds nothing) when neither is there.
  bool add_run(const QString& method, const engine::RunResult& run,
               const std::optional<engine::QualityPoint>& top_length_point);
  // One point of `method`'s series; rise as a fraction (0.01 = 1 %). It becomes the chosen one.
  void add_point(const QString& method, double rise, double sparsity);
  void clear();

  QScatterSeries* series(const QString& name) const;
  QScatterSeries* chosen() const { return chosen_; }

  static QString probes_name() { return tr("budget probes"); }

 private:
  QScatterSeries* series_for(const QString& name);
  void fit_axes();

  QValueAxis* rise_axis_;
  QValueAxis* sparsity_axis_;
  QScatterSeries* chosen_;
};

}  // namespace afbs::ui
