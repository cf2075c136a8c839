#pragma once

#include <QString>

#include "core/attention/block_shape.h"

namespace afbs::ui {

// What the run panel holds, as a value: saved in sessions and put back on restore.
struct RunSettings {
  // The largest perplexity budget the run panel takes (20 %): far past any useful trade-off.
  static constexpr double kMaxPerplexityBudget = 0.20;

  double l1_target = 0.05;
  double pv_l1_target = 0.06;
  QString method = QStringLiteral("afbs-bo");
  QString preset = QStringLiteral("sparge-default");
  int top_length_tokens = 1024;
  int first_layer = 0;
  int last_layer = -1;             // negative: the model's last layer
  double perplexity_budget = 0.0;  // a fraction (0.01 = 1 %); 0: off
  bool price_allocation = false;   // with a budget: also try the price allocation
  bool layer_sensitivity = false;  // with a budget: also try the per-layer sensitivity allocation
  BlockShape blocks;               // what a run tunes for (the heatmap holds one shape)

  bool operator==(const RunSettings&) const = default;
};

}  // namespace afbs::ui
