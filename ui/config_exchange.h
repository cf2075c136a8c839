#pragma once

// The heatmap as a config file and back: what File → Save and Open in the workbench do.

#include <QUndoCommand>
#include <optional>
#include <vector>

#include "core/attention/sparse_config.h"
#include "ui/head_cell.h"

namespace afbs::ui {

class HeatmapModel;

// Every head of the heatmap as a config for `model` with the heatmap's block shape: settings,
// dense/sparse, pins, and the measured sparsity and error of heads a run tuned.
SparseConfig config_from_heatmap(const HeatmapModel& heatmap, const ModelIdentity& model,
                                 std::optional<TuningSummary> tuning);

// Loads `config` (cells and block shape) into the heatmap as one undoable step. The config must
// match the heatmap's layers × heads (check the model identity before calling).
Status load_config_into(HeatmapModel& heatmap, const SparseConfig& config, const QString& name);

// The undo step of load_config_into: every cell before and after.
class LoadConfig : public QUndoCommand {
 public:
  LoadConfig(HeatmapModel* model, std::vector<HeadCell> before, std::vector<HeadCell> after,
             BlockShape blocks_before, BlockShape blocks_after, const QString& name);
  void undo() override;
  void redo() override;

 private:
  void apply(const std::vector<HeadCell>& cells, BlockShape blocks);

  HeatmapModel* model_;
  std::vector<HeadCell> before_;
  std::vector<HeadCell> after_;
  BlockShape blocks_before_, blocks_after_;
};

}  // namespace afbs::ui
