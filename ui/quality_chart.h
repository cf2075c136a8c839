#pragma once

#include <QChartView>
#include <QString>
#include <vector>

class QLogValueAxis;
class QValueAxis;
class QLineSeries;

namespace afbs::ui {

// Perplexity versus sequence length, one line per configuration (dense, tuned, baselines).
// Takes plain values; lengths on a log2 axis because fidelity ladders double.
class QualityChart : public QChartView {
  Q_OBJECT
 public:
  explicit QualityChart(QWidget* parent = nullptr);

  // Adds or replaces the line called name. lengths_tokens and perplexities pair up by index.
  void set_curve(const QString& name, const std::vector<int>& lengths_tokens,
                 const std::vector<double>& perplexities);
  void clear_curves();
  QLineSeries* curve(const QString& name) const;

 private:
  void fit_axes();

  QLogValueAxis* length_axis_;
  QValueAxis* perplexity_axis_;
};

}  // namespace afbs::ui
