#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/attention/sparse_config.h"
#include "core/common/stop_flags.h"
#include "core/engine/tuning_engine.h"

namespace afbs {
class Model;
}

namespace afbs::engine {

// The text the end-to-end guard measures perplexity on (DESIGN.md §9's definition).
struct GuardText {
  std::vector<std::int32_t> tokens;
  std::int64_t window_tokens = 0;
  std::int64_t max_windows = 0;  // 0: every window
  bool prepend_bos = false;
  std::int64_t bos_id = -1;
  StopFlags stop = {};  // read before each window: a cancel makes the measure return "cancelled"
  // After each window: windows done, windows in the pass, seconds in it (pauses excluded).
  std::function<void(int done, int total, double seconds)> progress = {};
};

// A PerplexityMeasure for AFBS-BO's guard: perplexity of `model` on `text` with `base`
// (the model's config: every head's starting point) overlaid by the layers it is handed,
// run through SparseLayerAttention. `model` must outlive the measure.
PerplexityMeasure make_perplexity_measure(const Model& model, GuardText text, SparseConfig base);

// `base` with the heads of `layers` written over it (settings, flags, measurements).
Result<SparseConfig> overlay_layers(SparseConfig base, const std::vector<LayerResult>& layers);

}  // namespace afbs::engine
