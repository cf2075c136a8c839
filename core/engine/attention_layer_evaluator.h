#pragma once

#include <functional>
#include <vector>

#include "core/engine/layer_evaluator.h"

namespace afbs {
class AttentionEvaluator;
struct WindowCapture;
}  // namespace afbs

namespace afbs::engine {

// What the engine tunes on: the model's shape, the calibration windows by id (as captured)
// and the fidelity ladder.
struct CalibrationPlan {
  int layers = 0;
  int heads = 0;  // query heads per layer
  std::vector<int> tune_windows;
  std::vector<int> validation_windows;
  std::vector<int> ladder;  // ascending; back() is the capture length n_F
};

// The real LayerEvaluator: core/attention's batched, cached evaluator over captured Q/K/V.
// Only active heads are scored (inactive ones come back as zeros, which the engine ignores).
// Torch stays in the .cpp.
class AttentionLayerEvaluator : public LayerEvaluator {
 public:
  // `evaluator` must outlive this object and hold a capture of every (layer, window) the
  // plan names (see register_captures).
  AttentionLayerEvaluator(AttentionEvaluator& evaluator, CalibrationPlan plan);

  int layers() const override { return plan_.layers; }
  int heads() const override { return plan_.heads; }
  std::vector<int> tune_windows() const override { return plan_.tune_windows; }
  std::vector<int> validation_windows() const override { return plan_.validation_windows; }
  std::vector<int> fidelity_lengths() const override { return plan_.ladder; }

  // What prepare_layer does (a streaming session: capture the layer); none: nothing, every
  // layer run is expected to be registered already.
  void set_layer_preparer(std::function<Status(int layer)> preparer) {
    preparer_ = std::move(preparer);
  }
  Status prepare_layer(int layer) override { return preparer_ ? preparer_(layer) : Status{}; }

  Result<std::vector<HeadMetrics>> evaluate(const EvaluationRequest& request) override;

 private:
  AttentionEvaluator& evaluator_;
  CalibrationPlan plan_;
  std::function<Status(int layer)> preparer_;
};

// Hands every layer of every window's capture to `evaluator` (window id = capture.window).
Status register_captures(AttentionEvaluator& evaluator, const std::vector<WindowCapture>& captures);

}  // namespace afbs::engine
