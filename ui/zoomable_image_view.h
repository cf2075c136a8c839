#pragma once

#include <QGraphicsView>
#include <QImage>

class QGraphicsPixmapItem;

namespace afbs::ui {

// A small image (one pixel per block) shown enlarged without smoothing, so each block stays a
// crisp square: zoom with Ctrl + wheel, the + and − keys or set_zoom(); scroll bars when it
// outgrows the view. Reports which pixel the mouse is over, for tooltips.
class ZoomableImageView : public QGraphicsView {
  Q_OBJECT
 public:
  explicit ZoomableImageView(QWidget* parent = nullptr);

  // Shows `image` at a zoom that makes it about `fit_pixels` wide, or as wide as the view when
  // that is less (at least 1 × 1 per pixel).
  void set_image(const QImage& image, int fit_pixels = 256);
  const QImage& image() const { return image_; }
  double zoom() const { return zoom_; }
  void set_zoom(double zoom);  // screen pixels per image pixel, 1 … 64
  void zoom_in() { set_zoom(zoom_ * 1.5); }
  void zoom_out() { set_zoom(zoom_ / 1.5); }
  // Small, so a panel of these does not widen the inspector beside the heatmap; it grows.
  QSize sizeHint() const override { return {128, 128}; }

 Q_SIGNALS:
  void zoom_changed(double zoom);
  // The image pixel under the mouse; (-1, -1) when outside the image.
  void hovered(int x, int y);

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;

 private:
  QGraphicsPixmapItem* item_;
  QImage image_;
  double zoom_ = 1.0;
};

}  // namespace afbs::ui
