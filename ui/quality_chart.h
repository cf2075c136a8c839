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
// fidelity ladders double. A second quantity of another scale (measured peak memory beside
// computed traffic) can go on a value axis on the right, shown while it has a line.
class QualityChart : public QChartView {
  Q_OBJECT
 public:
  enum class Side { Left, Right };

  explicit QualityChart(QWidget* parent = nullptr) : QualityChart(tr("perplexity"), {}, parent) {}
  // `quantity` names the chart; `axis_title` (default: the quantity) labels the value axis.
  QualityChart(const QString& quantity, const QString& axis_title, QWidget* parent);

  // Adds or replaces the line called name, on the value axis at `side`. lengths_tokens and
  // values pair up by index.
  void set_curve(const QString& name, const std::vector<int>& lengths_tokens,
                 const std::vector<double>& values, Side side = Side::Left);
  void clear_curves();
  QLineSeries* curve(const QString& name) const;
  void set_right_axis_title(const QString& title);
  // printf-style, for both value axes ("%g": 1200, not 1200.0; 0.5, not 0).
  void set_value_format(const QString& format);
  QValueAxis* right_axis() const { return right_axis_; }
  // Said in the title after the quantity, e.g. what cannot be shown here; empty: nothing.
  void set_note(const QString& note);

 private:
  void fit_axes();

  QString quantity_;
  QString note_;
  QLogValueAxis* length_axis_;
  QValueAxis* value_axis_;
  QValueAxis* right_axis_;
};

}  // namespace afbs::ui
