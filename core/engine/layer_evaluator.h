#pragma once

#include <vector>

#include "core/attention/head_metrics.h"
#include "core/attention/head_setting.h"
#include "core/common/result.h"

namespace afbs::engine {

// The per-head values are core/attention's (torch-free headers): HeadSetting {θ, τ, λ, rule}
// and HeadMetrics {sparsity, error, skip_rate, block counts}.
using afbs::HeadMetrics;
using afbs::HeadSetting;

// One batched call: every head of `layer` at its own setting, on one window at one length.
// Heads whose `active` flag is false are not being tuned (finished or pinned); the evaluator
// may skip them and return any metrics in their place, which the engine ignores.
struct EvaluationRequest {
  int layer = 0;
  int window = 0;
  int length_tokens = 0;
  std::vector<HeadSetting> settings;  // one per head
  std::vector<bool> active;           // one per head
};

// The engine's only view of the model: scores all heads of a layer at once. Torch-free so
// the engine can be tested on synthetic heads; the real adapter wraps the batched sparse-
// attention evaluator over captured Q/K/V.
class LayerEvaluator {
 public:
  virtual ~LayerEvaluator() = default;

  virtual int layers() const = 0;
  virtual int heads() const = 0;
  // Window ids used for tuning and for held-out validation (disjoint sets).
  virtual std::vector<int> tune_windows() const = 0;
  virtual std::vector<int> validation_windows() const = 0;
  // The default fidelity ladder, ascending; the last rung is the top fidelity n_F.
  virtual std::vector<int> fidelity_lengths() const = 0;

  // Called before every live call on `layer` (never for a replayed one), outside the call's
  // timing: a streaming session captures the layer's Q/K/V here when it is not yet held.
  // An error stops the run.
  virtual Status prepare_layer(int /*layer*/) { return {}; }

  // Returns one HeadMetrics per head, or an error naming the layer, window or setting at fault.
  virtual Result<std::vector<HeadMetrics>> evaluate(const EvaluationRequest& request) = 0;
};

}  // namespace afbs::engine
