#pragma once

#include <QObject>

class QChartView;

namespace afbs::ui {

// Zoom for a chart view: drag a rectangle to zoom in, right-click to zoom out (QChartView's rubber
// band), double-click or Escape to reset. Emits `reset` after a reset so a live chart can fit its
// axes again. Parented to the view.
class ChartZoom : public QObject {
  Q_OBJECT
 public:
  static ChartZoom* install(QChartView* view);

  void reset_zoom();

 Q_SIGNALS:
  void reset();

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  explicit ChartZoom(QChartView* view);

  QChartView* view_;
};

}  // namespace afbs::ui
