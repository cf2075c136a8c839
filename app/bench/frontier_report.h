#pragma once

// B6's points and the files they are written to (JSON, CSV, Markdown).

#include <string>
#include <vector>

#include "app/bench/result_files.h"
#include "core/engine/tuning_engine.h"

namespace afbs::bench {

// One config on the frontier: what it skips and what it costs in perplexity, on the
// calibration windows (where the guard and the budget stage measure) and held out.
struct FrontierPoint {
  std::string method;     // "afbs-bo budget", "afbs-bo uniform", "grid", "random", "topk", "window"
  std::string parameter;  // "1%", "eps1 0.05", "F 0.5", "W 512"
  double budget = -1.0;   // budget mode: the budget (fraction); else negative
  double epsilon_multiplier = 1.0;
  double target_error = 0.0;  // ε1 in force at the end (searched methods)
  double mean_sparsity = 0.0;
  int heads = 0;
  int heads_meeting_target = 0;
  double perplexity = 0.0;
  double rise = 0.0;  // against the dense model on the same windows
  double held_out_perplexity = 0.0;
  double held_out_rise = 0.0;
  long long evaluations = 0;
  int perplexity_measurements = 0;
  double wall_seconds = 0.0;
  std::vector<engine::BudgetProbe> probes;  // budget mode: every probe, in order
  std::vector<double> layer_multipliers;    // budget mode: each layer's final multiplier
  bool by_price = false;  // budget mode: the config is a price allocation (multipliers: x)
  std::vector<std::string> layer_choices;  // budget mode: the sensitivity mix, layer by layer
};

struct FrontierRun {
  RunProvenance provenance;
  std::string model;
  std::string text;
  std::string device;
  int threads = 0;
  std::vector<int> ladder;
  std::string blocks;  // the block shape tuned for, "64x64"
  std::string layers;
  int tune_windows = 0;
  int validation_windows = 0;
  int held_out_windows = 0;
  int guard_windows = 0;  // after the tune + validation windows, measured by guard and budget
  unsigned long long seed = 0;
  double perplexity_dense = 0.0;
  double held_out_dense = 0.0;
  std::vector<double> budgets;  // the budgets the summary table judges every method by
  std::vector<FrontierPoint> points;
};

// Writes frontier.json, frontier.csv and frontier.md into `out`; returns the Markdown.
Result<std::string> write_frontier_results(const FrontierRun& run, const std::string& out);

}  // namespace afbs::bench
