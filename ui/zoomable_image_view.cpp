#include "ui/zoomable_image_view.h"

#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

namespace afbs::ui {

ZoomableImageView::ZoomableImageView(QWidget* parent)
    : QGraphicsView(parent), item_(new QGraphicsPixmapItem) {
  setScene(new QGraphicsScene(this));
  scene()->addItem(item_);
  item_->setTransformationMode(Qt::FastTransformation);  // blocks stay sharp squares
  setRenderHint(QPainter::SmoothPixmapTransform, false);
  setDragMode(QGraphicsView::ScrollHandDrag);
  setMouseTracking(true);
  setAlignment(Qt::AlignLeft | Qt::AlignTop);
  setMinimumSize(64, 64);
}

void ZoomableImageView::set_image(const QImage& image, int fit_pixels) {
  image_ = image;
  item_->setPixmap(QPixmap::fromImage(image));
  scene()->setSceneRect(item_->boundingRect());
  // Fits the view when it is shown (less the scroll bars' room), else `fit_pixels`.
  const int room = std::min(viewport()->width(), viewport()->height()) - 4;
  const int fit = isVisible() && room > 32 ? std::min(fit_pixels, room) : fit_pixels;
  const int side = std::max(1, std::max(image.width(), image.height()));
  set_zoom(std::max(1.0, std::floor(double(fit) / side)));
}

void ZoomableImageView::set_zoom(double zoom) {
  zoom = std::clamp(zoom, 1.0, 64.0);
  const bool changed = zoom != zoom_;
  zoom_ = zoom;
  setTransform(QTransform::fromScale(zoom, zoom));
  if (changed) Q_EMIT zoom_changed(zoom);
}

void ZoomableImageView::wheelEvent(QWheelEvent* event) {
  if (!(event->modifiers() & Qt::ControlModifier)) {
    QGraphicsView::wheelEvent(event);  // scrolls
    return;
  }
  if (event->angleDelta().y() > 0) zoom_in();
  if (event->angleDelta().y() < 0) zoom_out();
  event->accept();
}

void ZoomableImageView::keyPressEvent(QKeyEvent* event) {
  if (event->key() == Qt::Key_Plus || event->key() == Qt::Key_Equal) {
    zoom_in();
  } else if (event->key() == Qt::Key_Minus) {
    zoom_out();
  } else {
    QGraphicsView::keyPressEvent(event);
  }
}

void ZoomableImageView::mouseMoveEvent(QMouseEvent* event) {
  QGraphicsView::mouseMoveEvent(event);
  const QPointF at = mapToScene(event->position().toPoint());
  const int x = int(std::floor(at.x())), y = int(std::floor(at.y()));
  if (x >= 0 && y >= 0 && x < image_.width() && y < image_.height()) {
    Q_EMIT hovered(x, y);
  } else {
    Q_EMIT hovered(-1, -1);
  }
}

}  // namespace afbs::ui
