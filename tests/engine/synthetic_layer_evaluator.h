#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "core/attention/sparse_preset.h"
#include "core/engine/layer_evaluator.h"

namespace afbs::engine::testing {

// A head whose metrics are closed-form, so the optimum of every stage is known:
//   sparsity = g(θ) (1 - τ)^0.5,                   g(θ) = scale (0.9 - 0.1 (θ + 1)^2)
//   error    = k (1 - τ) e^(-c θ) f(n) ω(w) + floor + m (1 - λ/50)   (a window of W: k·64/W)
//   f(n) = 0.85 + 0.15 n / n_F (short prefixes look a little better than they are),
// so at fixed θ the smallest τ meeting ε is 1 - (ε - floor) / (k e^(-c θ) f ω): error falls
// and sparsity falls as θ or τ rise, as in SpargeAttn.
struct SyntheticHead {
  double k = 0.5;
  double c = 1.2;
  double scale = 1.0;
  double floor = 0.0;
  double m = 0.04;

  double sparsity(double theta, double tau) const {
    return scale * (0.9 - 0.1 * (theta + 1.0) * (theta + 1.0)) *
           std::sqrt(std::max(0.0, 1.0 - tau));
  }
  double error(const HeadSetting& s, double fidelity, double window_factor) const {
    // A sliding window of W tokens: error k·64/W, less the wider it is (sparsity: its geometry).
    if (s.rule == SelectionRule::sliding_window)
      return k * 64.0 / s.rule_parameter * fidelity * window_factor;
    return k * (1.0 - s.tau) * std::exp(-c * s.theta) * fidelity * window_factor + floor +
           m * (1.0 - s.lambda / 50.0);
  }
  // The smallest τ meeting `target` at θ with PV-skip off, for a window factor.
  double smallest_tau(double theta, double target, double fidelity, double window_factor) const {
    const double slope = k * std::exp(-c * theta) * fidelity * window_factor;
    return std::clamp(1.0 - (target - floor) / slope, 0.0, 1.0);
  }
};

class SyntheticLayerEvaluator : public LayerEvaluator {
 public:
  SyntheticLayerEvaluator(int layers, std::vector<SyntheticHead> heads)
      : layers_(layers), heads_(std::move(heads)) {}

  int layers() const override { return layers_; }
  int heads() const override { return static_cast<int>(heads_.size()); }
  std::vector<int> tune_windows() const override { return tune_; }
  std::vector<int> validation_windows() const override { return validation_; }
  std::vector<int> fidelity_lengths() const override { return ladder_; }

  Result<std::vector<HeadMetrics>> evaluate(const EvaluationRequest& request) override {
    requests.push_back(request);
    if (fail_at_call >= 0 && static_cast<int>(requests.size()) > fail_at_call) {
      return Error{"synthetic failure"};
    }
    if (after_call) after_call();
    std::vector<HeadMetrics> metrics(heads_.size());
    for (std::size_t h = 0; h < heads_.size(); ++h) {
      HeadSetting s = request.settings[h];
      // θ only acts between the lowest and highest block coherence (coarse_lowest_rung).
      if (coarse_lowest_rung) s.theta = std::max(s.theta, kLowestCoherence);
      const SyntheticHead& head = head_for(request.layer, static_cast<int>(h));
      metrics[h].sparsity = head.sparsity(s.theta, s.tau);
      metrics[h].error =
          head.error(s, fidelity(request.length_tokens), window_factor(request.window));
      metrics[h].skip_rate = 0.5 * (1.0 - s.lambda / 50.0);
      if (s.rule == SelectionRule::sliding_window) {  // a window skips by geometry alone
        metrics[h].sparsity =
            sliding_window_sparsity(request.length_tokens, BlockShape{}, s.rule_parameter);
      }
      if (coarse_lowest_rung) {
        // As the demo model's heads: θ above every block's coherence keeps every block at any
        // length; and at n_1 (4 blocks) a high τ keeps them all, while skipping the one block
        // that can be skipped costs far more error than any target allows.
        const bool dense =
            s.theta > kCoherence || (request.length_tokens == ladder_.front() && s.tau > 0.9);
        if (dense)
          metrics[h] = HeadMetrics{};
        else if (request.length_tokens == ladder_.front()) {
          metrics[h].sparsity = 0.3;
          metrics[h].error = 0.25;
        }
      }
    }
    return metrics;
  }

  // Layer l's heads are the base heads with c shifted a little, so layers differ.
  SyntheticHead head_for(int layer, int head) const {
    SyntheticHead h = heads_[head];
    h.c += 0.1 * layer;
    return h;
  }
  double fidelity(int length_tokens) const {
    return 0.85 + 0.15 * static_cast<double>(length_tokens) / ladder_.back();
  }
  double window_factor(int window) const { return window_factors[window]; }
  double worst_tune_factor() const {
    double worst = 0.0;
    for (int w : tune_)
      worst = std::max(worst, window_factors[w]);
    return worst;
  }

  std::vector<int> tune_ = {0, 1};
  std::vector<int> validation_ = {2, 3};
  std::vector<int> ladder_ = {64, 128, 256};
  std::vector<double> window_factors = {1.0, 1.03, 1.01, 1.02};
  std::vector<EvaluationRequest> requests;
  // With coarse_lowest_rung, the blocks' coherences span [kLowestCoherence, kCoherence].
  static constexpr double kLowestCoherence = -0.2;
  static constexpr double kCoherence = 0.2;
  bool coarse_lowest_rung = false;  // n_1 tells nothing but "dense" or "far too much error"
  int fail_at_call = -1;
  std::function<void()> after_call;

 private:
  int layers_;
  std::vector<SyntheticHead> heads_;
};

// Four ordinary heads with different optima.
inline std::vector<SyntheticHead> ordinary_heads() {
  return {SyntheticHead{0.5, 1.2}, SyntheticHead{0.3, 1.0}, SyntheticHead{0.8, 1.4},
          SyntheticHead{1.2, 1.6}};
}

}  // namespace afbs::engine::testing
