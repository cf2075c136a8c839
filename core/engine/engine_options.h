#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/attention/block_shape.h"
#include "core/attention/head_setting.h"

namespace afbs::engine {

// Static: one fixed setting (a preset) for every head, only measured on the validation windows.
enum class TuningMethod { AfbsBo, Grid, Random, Static };

const char* method_name(TuningMethod method);  // "afbs-bo", "grid", "random", "static"
std::optional<TuningMethod> parse_method(std::string_view name);

// AFBS-BO (DESIGN.md §5). Every default lives here.
struct AfbsOptions {
  int exploration_budget = 20;           // stage 1 points per head, initial design included
  int initial_design_points = 6;         // scrambled Sobol points (plus default and warm start)
  double negligible_improvement = 1e-3;  // stage 1 stops when the best EI falls below this
  int exploration_windows = 1;        // stage 1 scores the first this many tune windows (0: all);
                                      // cheap on purpose: stages 2-3 check every tune window
  double tau_tolerance = 0.002;       // stage 2 bracket width at which bisection ends
  int max_bracket_expansions = 6;     // stage 2: re-opens after a failed re-check at a rung
  double lambda_tolerance = 0.5;      // stage 3 bisection on λ
  int max_validation_retries = 6;     // stage 3: back-off steps toward dense on a miss
  double backoff_fraction = 0.125;    // each back-off moves τ and λ this far toward dense
  double perplexity_budget = 0.01;    // end-to-end guard: allowed relative rise
  double guard_tighten_factor = 0.8;  // ε1 and ε2 are multiplied by this on a guard miss
  int max_guard_rounds = 2;           // redo stages 2-3 at most this many times
  // Stage 1's hopeless-head exit: when no sparse point of the initial design met ε1 at n_1,
  // one probe at n_F (θ -1, τ 1 - tau_tolerance) may settle the head as dense (afbs_stages.h).
  bool hopeless_head_exit = true;
};

// SpargeAttn's own autotune as DESIGN.md §5 describes it.
struct GridOptions {
  double theta_first = -1.0;
  double theta_step = 1.0 / 16.0;
  int theta_count = 32;
  double tau_start = 0.1;
  double tau_tolerance = 0.001;
  double lambda_start = 20.0;
  double lambda_tolerance = 0.1;
  double bucket_width = 1.0 / 8.0;
};

// Budget mode (issue 13): the most sparsity whose end-to-end perplexity rise stays within
// `AfbsOptions::perplexity_budget`. After the uniform-ε run, a global multiplier m on ε1 and
// ε2 is searched (up by `growth` until a probe goes over, then bisected geometrically); each
// probe re-targets stage 2 of every unpinned head at m·ε1 (reusing the τ points it already
// measured at n_F, PV-skip off) and measures perplexity. The best measured config within the
// budget gets stage 3 (λ and validation) and is measured once more; if that goes over, the
// same with PV-skip off, and if that goes over too, the probe's own measured config stands.
// With `refine_layers`, each layer in turn then tries its multiplier times `growth` alone,
// kept when the whole config stays within the budget (layers differ in what their error
// costs in perplexity); the refined config goes through the same stage 3 and checks.
struct BudgetOptions {
  bool enabled = false;
  double growth = 2.0;            // m steps up (or down) by this factor until bracketed
  double max_multiplier = 16.0;   // never looser than this many times ε
  double min_multiplier = 0.125;  // never tighter; below it every unpinned head goes dense
  double ratio_tolerance = 0.15;  // bisection ends when m_high / m_low <= 1 + this
  int max_probes = 6;             // perplexity probes after the uniform run's (final excluded)
  double tau_tolerance = 0.01;    // stage 2 bracket width of a re-target
  bool refine_layers = true;      // then each layer alone tries its m × layer_growth
  double layer_growth = 1.5;
  // Also search the price allocation (price_allocation.h). Off: on the demo model it bought
  // more sparsity per summed error but not per perplexity rise (README, B6).
  bool price_allocation = false;
  // Then the sensitivity allocation (layer_allocation.h): each layer alone, every other layer
  // dense, at each setting of a menu (AFBS-BO at m·ε, top-k F, a sliding window of a given
  // sparsity at n_F), one perplexity probe each; one setting per layer is then chosen greedily
  // by sparsity per measured rise, and the combination is measured and bisected along the
  // greedy path (at most `max_mix_probes` probes) until the sparsest mix within the budget.
  // With it, `refine_layers` is skipped: the menu already moves each layer alone.
  bool layer_sensitivity = false;
  std::vector<double> sensitivity_multipliers = {1.0, 2.0, 4.0};  // 1: the uniform run's layer
  // None by default: on the demo model top-k was never chosen (AFBS-BO's own selection is the
  // content-based family here) and its four settings cost 384 of 4,757 evaluations (session 9).
  std::vector<double> sensitivity_topk = {};
  // Each layer takes its own width, but only one the menu offers: widths past 0.8 let robust
  // layers go further than one width for all could (bench/results/frontier/h200-n4096).
  std::vector<double> sensitivity_window_sparsities = {0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95};
  int max_mix_probes = 6;
};

struct RandomOptions {
  int samples_per_head = 30;  // about what AFBS-BO spends per head on the synthetic suite
};

// The optimiser's threads unless told: the machine's cores, at most 8 (a round of one layer
// has 32-64 heads; more threads than that buys nothing).
inline int default_optimiser_threads() {
  return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 8);
}

struct EngineOptions {
  TuningMethod method = TuningMethod::AfbsBo;
  double target_error = 0.05;         // ε1: relative L1 for (θ, τ) with PV-skip off
  double pv_target_error = 0.06;      // ε2 >= ε1: with PV-skip on
  double min_sparsity = 0.1;          // heads below this go dense (and grid stops its θ sweep)
  std::vector<int> fidelity_lengths;  // empty: the evaluator's ladder
  // The block shape evaluated, like the ladder a property of the captures: a session
  // evaluates (and writes configs) with it. 128x64 is our fastest kernel path on the H200.
  BlockShape blocks;
  std::vector<int> layers;  // empty: every layer
  std::uint64_t seed = 0;
  AfbsOptions afbs;
  GridOptions grid;
  RandomOptions random;
  BudgetOptions budget;        // AFBS-BO only; needs the perplexity guard's measure
  HeadSetting static_setting;  // the Static method's one setting (a preset; see sparse_preset.h)
  std::string journal_path;    // empty: no journal
  bool resume = false;         // replay journal_path before evaluating anything
  bool journal_fsync = false;
  // Threads that resume the heads of a round after its evaluator calls (ask/tell, GP fits):
  // heads are independent, so the calls made and every result are the same for any count
  // (docs/optimiser-overlap.md, step A). 1: in turn on the engine's thread. The default (the
  // cores, at most 8) took the 7B-shaped B5 run's GPU busy share from 0.53 to 0.70.
  int optimiser_threads = default_optimiser_threads();
};

// The default fidelity ladder: n_F / 4, n_F / 2, n_F, each rounded down to a multiple of
// the block size (at least one block), duplicates dropped.
std::vector<int> default_fidelity_ladder(int top_length_tokens, int block_tokens);

// A short text that changes whenever an option that shapes the search changes; the journal
// stores it so that a resume with different options is refused.
std::string options_fingerprint(const EngineOptions& options);

}  // namespace afbs::engine
