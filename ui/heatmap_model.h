#pragma once

#include <QAbstractTableModel>
#include <QColor>
#include <memory>
#include <vector>

#include "core/attention/block_shape.h"
#include "core/engine/tuning_engine.h"
#include "ui/head_cell.h"

class QUndoStack;

namespace afbs::ui {

// What the heatmap colours by.
enum class HeatQuantity { Sparsity, Error, Theta, Tau, Lambda };

// Layers (rows) × heads (columns): a view over the session's pin store (HeadStore), which owns
// every head's state and which the engine reads pins from on its own thread. Views never change
// it directly: edits become undo commands on the stack, and every change, edit or engine
// result, goes through write_cell and is one `changed` event plus dataChanged for that cell.
class HeatmapModel : public QAbstractTableModel {
  Q_OBJECT
 public:
  enum Role {
    ValueRole = Qt::UserRole + 1,  // double: the shown quantity; invalid when not measured yet
    PinnedRole,                    // bool
    TunedRole,                     // bool
    MissesTargetRole,              // bool: tuned sparse, and its validation error missed ε
  };

  HeatmapModel(QUndoStack* undo_stack, QObject* parent = nullptr);

  // The store this model shows; an engine run holds it through HeadStore::pin_source.
  std::shared_ptr<HeadStore> store() const { return store_; }

  // Starts over with default settings (a model was loaded); clears the undo stack.
  void set_dimensions(int layers, int heads);
  int layers() const { return store_->layers(); }
  int heads() const { return store_->heads(); }

  void set_quantity(HeatQuantity quantity);
  HeatQuantity quantity() const { return quantity_; }
  // Errors at or above this get the top colour.
  void set_error_scale(double error);
  double error_scale() const { return error_scale_; }
  // The colour scale: value mapped from the quantity's range onto a perceptual ramp.
  static QColor color_for(HeatQuantity quantity, double value, double error_scale);
  static std::pair<double, double> range_for(HeatQuantity quantity, double error_scale);

  HeadCell cell(int layer, int head) const { return store_->state(layer, head); }
  // The block shape the cells' thresholds are for: 64x64 until a config with another is
  // loaded (an undoable step with its cells). Runs tune for it; exports write it.
  BlockShape blocks() const { return blocks_; }
  void set_blocks(BlockShape blocks) { blocks_ = blocks; }
  // Every head back to its default at another block shape (a run there tunes them anew);
  // clears the undo stack, like set_dimensions.
  void start_over(BlockShape blocks);
  QUndoStack* undo_stack() const { return undo_stack_; }

  // Edits, each pushed as an undo command. Overriding a setting also pins the head, so the
  // next run keeps it, and marks what was measured as no longer applying (undo restores it).
  void override_setting(int layer, int head, SettingField field, double value);
  void toggle_pin(int layer, int head);
  // Pins (or unpins) every head in `heads` (layer, head) as one undo step; heads already so
  // are left alone. Returns how many changed.
  int set_pinned(const std::vector<std::pair<int, int>>& heads, bool pinned);

  // Takes a finished layer from the engine (grows the table if needed). Heads pinned here keep
  // their setting: the person's pin outranks a result computed before it.
  void apply_layer_result(const engine::LayerResult& result);

  // The pins of a layer as the engine takes them (from the store).
  engine::PinSnapshot pin_snapshot(int layer) const { return store_->pins(layer); }

  // Used by the undo commands: writes a whole cell and reports what changed.
  void write_cell(int layer, int head, const HeadCell& cell);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
  Qt::ItemFlags flags(const QModelIndex& index) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 Q_SIGNALS:
  void changed(const afbs::ui::HeadChange& change);

 private:
  bool contains(int layer, int head) const { return store_->contains(layer, head); }
  void grow_to(int layers, int heads);
  QVariant value_of(const HeadCell& cell) const;
  void emit_all_changed();

  QUndoStack* undo_stack_;
  std::shared_ptr<HeadStore> store_ = std::make_shared<HeadStore>();
  BlockShape blocks_;
  HeatQuantity quantity_ = HeatQuantity::Sparsity;
  double error_scale_ = 0.1;
};

}  // namespace afbs::ui
