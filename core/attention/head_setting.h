#pragma once

// Per-head sparse-attention settings: plain values, no torch, so the tuning engine and the
// GUI can hold them without compiling ATen.

#include <string>

#include "core/common/result.h"

namespace afbs {

// How a head's key blocks are chosen (DESIGN.md §4). SpargeAttn's rule is `cumulative`;
// the others are static baselines.
enum class SelectionRule {
  dense,           // every causal block
  cumulative,      // SpargeAttn: coherence θ, cumulative probability τ, PV-skip λ
  top_fraction,    // the highest-scoring fraction of each row's causal blocks
  sliding_window,  // the blocks within a window of tokens, plus the sink block
};

// λ at or above this value turns the PV-skip off (SpargeAttn's "never").
inline constexpr double kPvSkipOff = 50.0;

struct HeadSetting {
  double theta = 0.6;    // similarity threshold: a block with coherence ≤ θ is incoherent
  double tau = 0.98;     // cumulative threshold on the compressed-score softmax
  double lambda = 50.0;  // PV-skip threshold in log2 units; ≥ kPvSkipOff: no skipping
  SelectionRule rule = SelectionRule::cumulative;
  // top_fraction: the fraction F in (0, 1]; sliding_window: the window in tokens.
  double rule_parameter = 0.0;

  static HeadSetting dense() {
    HeadSetting setting;
    setting.rule = SelectionRule::dense;
    return setting;
  }
};

// One head scored at one setting: the unit the evaluator counts.
struct HeadRequest {
  int head = 0;  // query head index within the layer
  HeadSetting setting;
};

// An error naming `where` when a value is not finite or out of range: θ and τ finite,
// λ ≥ 0, top_fraction F in (0, 1], sliding_window W ≥ 1.
Status check_head_setting(const HeadSetting& setting, const std::string& where);

// "dense", "cumulative", "top_fraction", "sliding_window".
const char* selection_rule_name(SelectionRule rule);
Result<SelectionRule> parse_selection_rule(const std::string& name);

}  // namespace afbs
