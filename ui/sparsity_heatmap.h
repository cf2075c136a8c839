#pragma once

#include <QWidget>
#include <optional>
#include <utility>
#include <vector>

class QComboBox;
class QLabel;
class QTableView;

namespace afbs::ui {

class HeatmapModel;

// The layer × head heatmap: a colour-by selector with its scale, and the table of cells.
// Double-click edits θ/τ/λ (when shown); the context menu or the space bar pins or unpins the
// selected heads (shift/ctrl-click selects several); "Re-tune selected" tunes only them.
class SparsityHeatmap : public QWidget {
  Q_OBJECT
 public:
  explicit SparsityHeatmap(HeatmapModel* model, QWidget* parent = nullptr);

  QTableView* table() const { return table_; }
  // The selected heads as (layer, head), or the current one when none is selected.
  std::vector<std::pair<int, int>> selected_heads() const;
  // Pins or unpins them all as one undo step; nullopt: pin unless all are pinned already.
  void pin_selected(std::optional<bool> pinned);

 Q_SIGNALS:
  // A head was clicked: show its detail elsewhere.
  void head_activated(int layer, int head);
  // The current head moved (mouse or keyboard): the inspector follows it.
  void current_head_changed(int layer, int head);
  // "Re-tune selected" (button or context menu): tune only the selected heads.
  void retune_requested();
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
