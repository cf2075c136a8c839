#include "ui/chart_zoom.h"

#include <QChartView>
#include <QEvent>
#include <QKeyEvent>

namespace afbs::ui {

ChartZoom::ChartZoom(QChartView* view) : QObject(view), view_(view) {}

ChartZoom* ChartZoom::install(QChartView* view) {
  auto* zoom = new ChartZoom(view);
  view->setRubberBand(QChartView::RectangleRubberBand);
  view->viewport()->installEventFilter(zoom);
  view->installEventFilter(zoom);
  return zoom;
}

void ChartZoom::reset_zoom() {
  view_->chart()->zoomReset();
  Q_EMIT reset();
}

bool ChartZoom::eventFilter(QObject* watched, QEvent* event) {
  const bool double_click = event->type() == QEvent::MouseButtonDblClick;
  const bool escape =
      event->type() == QEvent::KeyPress && static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape;
  // Not only when this chart is zoomed: a chart that follows another's zoom resets it too.
  if (double_click || escape) {
    reset_zoom();
    return true;
  }
  return QObject::eventFilter(watched, event);
}

}  // namespace afbs::ui
