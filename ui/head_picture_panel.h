#pragma once

#include <QWidget>
#include <vector>

#include "core/attention/head_picture.h"
#include "core/common/result.h"

class QComboBox;
class QLabel;
class QToolButton;

namespace afbs::ui {

class ZoomableImageView;

// One head's block mask and pooled attention map at a chosen rung (sequence length), as
// images with a legend; both views zoom together. Shows what it is given: HeadPictureService
// computes the pictures on the worker thread.
class HeadPicturePanel : public QWidget {
  Q_OBJECT
 public:
  explicit HeadPicturePanel(QWidget* parent = nullptr);

  // The head's pictures, one per rung, shortest first; keeps the rung shown if it still exists,
  // else shows the top rung.
  void show_pictures(int layer, int head, std::vector<HeadPicture> pictures);
  // A line instead of pictures ("computing…", an error, "start a run first").
  void show_message(const QString& text);

  const std::vector<HeadPicture>& pictures() const { return pictures_; }
  int shown_rung() const;  // index into pictures(); -1: none
  QComboBox* rung_box() const { return rung_; }
  QLabel* status_label() const { return status_; }
  ZoomableImageView* mask_view() const { return mask_; }
  ZoomableImageView* attention_view() const { return attention_; }
  // What the tooltip says of query block `i`, key block `j` at the shown rung.
  QString describe_block(int i, int j) const;
  // The shown rung, one row per block: query_block, key_block, role, pooled_attention.
  QByteArray csv() const;
  // The panel as PNG or SVG, or csv(), by the suffix of `path` (its Export… button).
  Status export_to(const QString& path);
  // No wider than its two pictures at their hint: the legend and captions wrap rather than
  // widen the inspector beside the heatmap.
  QSize sizeHint() const override;

 private:
  void show_rung(int index);

  std::vector<HeadPicture> pictures_;
  QComboBox* rung_;
  QLabel* status_;
  QToolButton* zoom_out_;
  QToolButton* zoom_in_;
  QToolButton* export_;
  int layer_ = -1, head_ = -1;
  int chosen_rung_ = -1;  // the rung the person picked; -1: none yet
  ZoomableImageView* mask_;
  ZoomableImageView* attention_;
};

}  // namespace afbs::ui
