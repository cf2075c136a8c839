#pragma once

#include <QByteArray>

namespace afbs::ui {

class HeatmapModel;

// Every head as a CSV row: layer, head, θ, τ, λ, sparse, pinned, tuned, sparsity, error,
// meets_target (measured values empty for heads not measured at their setting).
QByteArray heatmap_csv(const HeatmapModel& heatmap);

// The heatmap as the view colours it (the model's current quantity), one square per head
// with its value, pinned heads marked, as SVG.
QByteArray heatmap_svg(const HeatmapModel& heatmap);

}  // namespace afbs::ui
