#pragma once

#include <QWidget>

#include "ui/sparsity_diff.h"

namespace afbs::ui {

// The heatmap diff of two configs: layers × heads, each cell coloured by b − a sparsity on a
// diverging scale symmetric about 0 (red: b sparser), grey where a head is not in both; the
// scale's legend below, a cell's values in its tooltip. Cells fill the widget.
class SparsityDiffView : public QWidget {
  Q_OBJECT
 public:
  explicit SparsityDiffView(QWidget* parent = nullptr);

  void set_diff(SparsityDiff diff);
  const SparsityDiff& diff() const { return diff_; }
  // The scale's end: the largest change, at least 0.01 so noise is not painted as red or blue.
  double limit() const;
  // The cell of (layer, head) in widget coordinates; empty outside the grid.
  QRect cell_rect(int layer, int head) const;
  QString describe_cell(int layer, int head) const;

  QSize sizeHint() const override { return {480, 360}; }
  QSize minimumSizeHint() const override { return {160, 120}; }

 protected:
  void paintEvent(QPaintEvent* event) override;
  bool event(QEvent* event) override;

 private:
  QRect grid_rect() const;

  SparsityDiff diff_;
};

// The grey of a head that is not in both configs.
QColor missing_head_color();

}  // namespace afbs::ui
