#pragma once

#include <QChartView>
#include <QString>
#include <vector>

class QLogValueAxis;
class QValueAxis;
class QLineSeries;

namespace afbs::ui {

// A quantity (perplexity by default, or e.g. K/V traffic) versus sequence length, one line per
// configuration (dense, tuned, baselines). Takes plain values; lengths on a log2 axis because
// fidelity ladders double.
class QualityChart : public QChartView {
  Q_OBJECT
 public:
  explicit QualityChart(QWidget* parent = nullptr) : QualityChart(tr("perplexity"), {}, parent) {}
  // `quantity` names the chart; `axis_title` (default: the quantity) labels the value axis.
  QualityChart(const QString& quantity, const QString& axis_title, QWidget* parent);

  // Adds or replaces the line called name. lengths_tokens and values pair up by index.
  void set_curve(const QString& name, const std::vector<int>& lengths_tokens,
                 const std::vector<double>& values);
  void clear_curves();
  QLineSeries* curve(const QString& name) const;

 private:
  void fit_axes();

  QString quantity_;
  QLogValueAxis* length_axis_;
  QValueAxis* value_axis_;
};

}  // namespace afbs::ui
