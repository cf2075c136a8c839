#pragma once

#include <vector>

#include "core/common/result.h"

namespace afbs::engine {

// The three per-head hyperparameters of SpargeAttn (DESIGN.md §4). Defaults are SpargeAttn's.
struct HeadSetting {
  double theta = 0.6;    // similarity threshold [simthreshd1], in [-1, 1]
  double tau = 0.98;     // cumulative threshold [cdfthreshd], in [0, 1]
  double lambda = 50.0;  // PV-skip threshold [pvthreshd], in [0, 50]; 50 is "never skip"
};

// What one head scored at one setting on one window at one length.
struct HeadMetrics {
  double sparsity = 0.0;   // 1 - kept causal blocks / all causal blocks
  double error = 0.0;      // relative L1 of the head's output against dense
  double skip_rate = 0.0;  // share of kept blocks whose P·V was skipped
};

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

  // Returns one HeadMetrics per head, or an error naming the layer, window or setting at fault.
  virtual Result<std::vector<HeadMetrics>> evaluate(const EvaluationRequest& request) = 0;
};

}  // namespace afbs::engine
