#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/engine/engine_options.h"
#include "core/engine/evaluation_ledger.h"
#include "core/engine/head_task.h"
#include "core/engine/layer_evaluator.h"
#include "core/engine/search_context.h"
#include "core/engine/tuning_observer.h"

namespace afbs::engine {

// A head the person fixed: the engine never evaluates or changes it.
struct HeadPin {
  HeadSetting setting;
  bool sparse = true;
};

// Pins of one layer by head, read once when the layer starts (so edits made during a run
// apply to layers not yet tuned).
using PinSnapshot = std::map<int, HeadPin>;
using PinSource = std::function<PinSnapshot(int layer)>;

// Perplexity of the model with `layers` applied (layers not listed, and dense heads, run
// dense). Supplied by the caller; used by AFBS-BO's end-to-end guard.
using PerplexityMeasure = std::function<Result<double>(const std::vector<LayerResult>& layers)>;

// One end-to-end measurement of the budget stage: the config at ε multiplier m (1: the
// uniform targets; 0: every unpinned head dense, the fallback when nothing else fits).
struct BudgetProbe {
  double multiplier = 1.0;
  double perplexity = 0.0;
  double rise = 0.0;  // perplexity / dense perplexity - 1
  double mean_sparsity = 0.0;
  bool within_budget = false;
  bool validated = false;  // stage 3 ran (λ, validation windows); else PV-skip off, tune windows
  std::int64_t evaluations = 0;  // the run's evaluations when it was measured
  int layer = -1;      // a per-layer refinement probe: only this layer moved to `multiplier`
  bool price = false;  // a price-allocation probe: `multiplier` is the looseness x
  // A sensitivity-allocation probe (layer_allocation.h): what was measured, e.g. "topk:0.4
  // alone" (with `layer`) or "mix of 7 steps"; empty for the other probes.
  std::string option;
};

struct RunResult {
  RunStatus status = RunStatus::Failed;
  std::string message;  // why it failed or stopped; empty on success
  // Failed because the device (or host) ran out of memory: a smaller setting may fit, and the
  // journal, whole up to the last finished call, resumes the same run.
  bool out_of_memory = false;
  TuningMethod method = TuningMethod::AfbsBo;
  std::vector<LayerResult> layers;  // finished layers, in tuning order
  EvaluationCounts counts;
  EngineSeconds engine_seconds;               // optimiser, perplexity passes, journal
  std::vector<EvaluationRecord> evaluations;  // every one, replayed ones included
  std::optional<double> perplexity_dense;
  std::optional<double> perplexity_tuned;
  int guard_rounds = 0;                    // times the guard tightened the targets
  std::vector<BudgetProbe> budget_probes;  // budget mode: every probe, in order
  double epsilon_multiplier = 1.0;         // budget mode: the chosen global m (ε = m ε)
  std::vector<double> layer_multipliers;   // budget mode: each tuned layer's own m, in order
  bool budget_by_price = false;            // budget mode: the config is a price allocation (and
                                           // layer_multipliers each layer's looseness x, not m)
  // budget mode: the config is the sensitivity allocation's mix; each layer's setting in
  // words ("dense", "afbs eps x2", "topk:0.4", "window:256"), and layer_multipliers its m (0
  // for a layer not at AFBS-BO). Empty otherwise.
  std::vector<std::string> budget_layer_choices;
  int perplexity_measurements = 0;  // end-to-end measurements (guard and budget)
  double target_error = 0.0;        // ε1 and ε2 in force at the end
  double pv_target_error = 0.0;
};

// What a run's heads came to, as the CLI and the benchmark report it: mean sparsity over all
// heads (dense heads count 0), mean error over the measured heads.
struct HeadsSummary {
  int heads = 0;
  int sparse_heads = 0;
  int meeting_target = 0;
  double mean_sparsity = 0.0;
  double mean_validation_error = 0.0;
};
HeadsSummary summarise_heads(const RunResult& run);
// Mean sparsity over every head of `layers`, dense heads counting 0.
double mean_sparsity(const std::vector<LayerResult>& layers);

// Samples per head for random search that spend what `afbs_run` spent per tuned head: its
// evaluations per unpinned head divided by the tune windows each sample is scored on.
int matching_random_samples(const RunResult& afbs_run, int tune_windows);

class MethodPolicy;

// Tunes the layers of a model one after another through one LayerEvaluator that scores all
// heads of a layer per call (DESIGN.md §5). The engine only schedules: what is evaluated is
// the method's policy (method_policy.h) — AFBS-BO, grid, random, static, or AFBS-BO with the
// budget stage (options.budget.enabled, with a PerplexityMeasure: the error targets are scaled
// to spend the perplexity budget) — chosen from the options, or handed in. Deterministic for a
// given seed, evaluator and policy, so a journal replay resumes a run exactly.
class TuningEngine {
 public:
  TuningEngine(LayerEvaluator& evaluator, EngineOptions options);
  // Runs `policy` instead of the one options.method names (the journal records its name).
  TuningEngine(LayerEvaluator& evaluator, EngineOptions options,
               std::unique_ptr<MethodPolicy> policy);
  ~TuningEngine();

  void set_observer(TuningObserver* observer) { observer_ = observer; }  // not owned
  void set_pin_source(PinSource source) { pin_source_ = std::move(source); }
  void set_perplexity_measure(PerplexityMeasure measure) { perplexity_ = std::move(measure); }

  // Runs to the end, to a cancel, or to the first error. Never throws.
  RunResult run(RunControl control = {});

 private:
  struct Plan;
  class Run;
  Result<Plan> make_plan() const;
  void log(const std::string& line);

  LayerEvaluator& evaluator_;
  EngineOptions options_;
  std::unique_ptr<MethodPolicy> policy_;  // handed in; else made from options_ per run
  TuningObserver* observer_ = nullptr;
  PinSource pin_source_;
  PerplexityMeasure perplexity_;
};

}  // namespace afbs::engine
