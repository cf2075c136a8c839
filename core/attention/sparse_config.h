#pragma once

// A sparse-attention config: per layer, per query head, the thresholds and flags the
// kernels and the workbench share (DESIGN.md §8). Torch-free: the engine, the GUI and
// the config file reader use it without ATen. The file format is core/io's config_file.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/attention/block_shape.h"
#include "core/attention/head_setting.h"
#include "core/common/result.h"

namespace afbs {

struct HeadConfig {
  double theta = 0.6;
  double tau = 0.98;
  double lambda = 50.0;
  bool sparse = true;              // false: the head runs dense
  bool pinned = false;             // a person fixed it: tuning leaves it alone
  std::optional<double> sparsity;  // measured when tuned
  std::optional<double> error;
  // This head's F or W when it differs from the config's (a top-fraction or sliding-window
  // config whose layers take different widths, as a perplexity budget may allocate them).
  std::optional<double> rule_parameter;
};

// Which model a config is for. `fingerprint` is optional (empty: not checked).
struct ModelIdentity {
  std::string name;
  std::string fingerprint;
  int64_t layers = 0;
  int64_t heads = 0;  // query heads per layer
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
};

// How the config came about; all optional.
struct TuningSummary {
  std::string method;  // afbs-bo, grid, random, preset
  double l1_target = 0.0;
  double pv_l1_target = 0.0;
  std::vector<int64_t> fidelities;
  int64_t evaluations = 0;
  double weighted_evaluations = 0.0;
  double seconds = 0.0;
};

struct SparseConfig {
  ModelIdentity model;
  BlockShape blocks;
  // Every sparse head uses this rule; cumulative is SpargeAttn's, the others baselines.
  SelectionRule rule = SelectionRule::cumulative;
  double rule_parameter = 0.0;  // top_fraction: F; sliding_window: W tokens (a head may differ)
  std::optional<TuningSummary> tuning;
  std::vector<std::vector<HeadConfig>> layers;  // [layer][query head]

  // Every head of every layer set to `head`.
  static SparseConfig uniform(const ModelIdentity& model, const HeadConfig& head);

  // What the attention runs for one head (a dense head gets SelectionRule::dense).
  HeadSetting setting(int64_t layer, int64_t head) const;
  // Takes a sparse head's static setting (top fraction or sliding window): the config's rule
  // and parameter from the first such head (or another rule), `head`'s own parameter where it
  // differs from the config's.
  void record_static_setting(HeadConfig& head, const HeadSetting& setting);
  // Mean over heads of the measured sparsity; nullopt when none was measured.
  std::optional<double> mean_measured_sparsity() const;
  // Shape and values: layers × heads as the identity says, settings in range.
  Status validate(const std::string& source) const;
};

// Refuses a config made for another model: the message names both shapes and `source`.
Status check_config_matches(const SparseConfig& config, const ModelIdentity& model,
                            const std::string& source);

}  // namespace afbs
