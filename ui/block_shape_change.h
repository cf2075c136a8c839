#pragma once

#include <QString>
#include <vector>

#include "core/attention/block_shape.h"

namespace afbs::ui {

class HeatmapModel;

// The rule for a run at another block shape than the heatmap's (the heatmap holds one shape:
// thresholds tuned for one mean nothing at another). Such a run must tune every layer the
// heatmap has tuned, with no head pinned and no selection re-tuned; the heatmap then starts
// over at the run's shape. Returns why the run cannot start, or an empty string.
// `layers`: the run's layers (empty: all); `retune`: it re-tunes selected heads only.
QString block_shape_change_problem(const HeatmapModel& heatmap, BlockShape run_blocks,
                                   const std::vector<int>& layers, bool retune);

}  // namespace afbs::ui
