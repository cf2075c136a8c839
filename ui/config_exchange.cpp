#include "ui/config_exchange.h"

#include <QCoreApplication>
#include <string>

#include "ui/heatmap_model.h"

namespace afbs::ui {

SparseConfig config_from_heatmap(const HeatmapModel& heatmap, const ModelIdentity& model,
                                 std::optional<TuningSummary> tuning) {
  SparseConfig config = SparseConfig::uniform(model, HeadConfig{});
  config.blocks = heatmap.blocks();
  config.tuning = std::move(tuning);
  for (int layer = 0; layer < heatmap.layers() && layer < static_cast<int>(config.layers.size());
       ++layer) {
    std::vector<HeadConfig>& heads = config.layers[static_cast<std::size_t>(layer)];
    for (int head = 0; head < heatmap.heads() && head < static_cast<int>(heads.size()); ++head) {
      const HeadCell& cell = heatmap.cell(layer, head);
      HeadConfig& out = heads[static_cast<std::size_t>(head)];
      out.theta = cell.setting.theta;
      out.tau = cell.setting.tau;
      out.lambda = cell.setting.lambda;
      out.sparse = cell.sparse && cell.setting.rule != SelectionRule::dense;
      out.pinned = cell.pinned;
      if (cell.tuned) {
        out.sparsity = cell.sparsity;
        out.error = cell.error;
      }
      // A config holds one rule for all sparse heads (a static preset's top-k or window).
      if (out.sparse && cell.setting.rule != SelectionRule::cumulative) {
        config.record_static_setting(out, cell.setting);
      }
    }
  }
  return config;
}

Status load_config_into(HeatmapModel& heatmap, const SparseConfig& config, const QString& name) {
  if (static_cast<int>(config.layers.size()) != heatmap.layers()) {
    return Error{"the config has " + std::to_string(config.layers.size()) + " layers, the model " +
                 std::to_string(heatmap.layers())};
  }
  std::vector<HeadCell> before;
  std::vector<HeadCell> after;
  for (int layer = 0; layer < heatmap.layers(); ++layer) {
    const std::vector<HeadConfig>& heads = config.layers[static_cast<std::size_t>(layer)];
    if (static_cast<int>(heads.size()) != heatmap.heads()) {
      return Error{"layer " + std::to_string(layer) + " of the config has " +
                   std::to_string(heads.size()) + " heads, the model " +
                   std::to_string(heatmap.heads())};
    }
    for (int head = 0; head < heatmap.heads(); ++head) {
      const HeadConfig& in = heads[static_cast<std::size_t>(head)];
      before.push_back(heatmap.cell(layer, head));
      HeadCell cell;
      cell.setting = config.setting(layer, head);
      cell.setting.theta = in.theta;  // a dense head keeps the values the file holds
      cell.setting.tau = in.tau;
      cell.setting.lambda = in.lambda;
      cell.sparse = in.sparse;
      cell.pinned = in.pinned;
      cell.tuned = in.sparsity.has_value();
      cell.sparsity = in.sparsity.value_or(0.0);
      cell.error = in.error.value_or(0.0);
      after.push_back(cell);
    }
  }
  heatmap.undo_stack()->push(new LoadConfig(&heatmap, std::move(before), std::move(after),
                                            heatmap.blocks(), config.blocks, name));
  return {};
}

LoadConfig::LoadConfig(HeatmapModel* model, std::vector<HeadCell> before,
                       std::vector<HeadCell> after, BlockShape blocks_before,
                       BlockShape blocks_after, const QString& name)
    : model_(model),
      before_(std::move(before)),
      after_(std::move(after)),
      blocks_before_(blocks_before),
      blocks_after_(blocks_after) {
  setText(QCoreApplication::translate("LoadConfig", "Open %1").arg(name));
}

void LoadConfig::undo() {
  apply(before_, blocks_before_);
}
void LoadConfig::redo() {
  apply(after_, blocks_after_);
}

void LoadConfig::apply(const std::vector<HeadCell>& cells, BlockShape blocks) {
  model_->set_blocks(blocks);
  std::size_t index = 0;
  for (int layer = 0; layer < model_->layers(); ++layer) {
    for (int head = 0; head < model_->heads() && index < cells.size(); ++head)
      model_->write_cell(layer, head, cells[index++]);
  }
}

}  // namespace afbs::ui
