#pragma once

#include <QByteArray>

namespace afbs::ui {

class HeatmapModel;

// Every head as a CSV row: layer, head, θ, τ, λ, sparse, pinned, tuned, sparsity, error,
// meets_target (measured values empty for heads not measured at their setting).
QByteArray heatmap_csv(const HeatmapModel& heatmap);

}  // namespace afbs::ui
