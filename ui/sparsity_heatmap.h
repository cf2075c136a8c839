#pragma once

#include <QWidget>

class QComboBox;
class QLabel;
class QTableView;

namespace afbs::ui {

class HeatmapModel;

// The layer × head heatmap: a colour-by selector with its scale, and the table of cells.
// Double-click edits θ/τ/λ (when shown); the context menu or the space bar pins a head.
class SparsityHeatmap : public QWidget {
  Q_OBJECT
 public:
  explicit SparsityHeatmap(HeatmapModel* model, QWidget* parent = nullptr);

  QTableView* table() const { return table_; }

 Q_SIGNALS:
  // A head was clicked: show its detail elsewhere.
  void head_activated(int layer, int head);
  // An override was refused (not a number, or out of range); `why` says so in words.
  void edit_refused(const QString& why);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  void update_scale();
  void show_context_menu(const QPoint& position);

  HeatmapModel* model_;
  QComboBox* quantity_box_;
  QLabel* scale_low_;
  QLabel* scale_bar_;
  QLabel* scale_high_;
  QTableView* table_;
};

}  // namespace afbs::ui
