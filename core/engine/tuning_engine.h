#pragma once

#include <functional>
#include <map>
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
  int layer = -1;  // a per-layer refinement probe: only this layer moved to `multiplier`
};

struct RunResult {
  RunStatus status = RunStatus::Failed;
  std::string message;  // why it failed or stopped; empty on success
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
  int perplexity_measurements = 0;         // end-to-end measurements (guard and budget)
  double target_error = 0.0;               // ε1 and ε2 in force at the end
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

// Tunes the layers of a model one after another with AFBS-BO or a baseline, through one
// LayerEvaluator that scores all heads of a layer per call (DESIGN.md §5). Deterministic for
// a given seed and evaluator, so a journal replay resumes a run exactly. With
// options.budget.enabled (AFBS-BO and a PerplexityMeasure only), the guard becomes the budget
// stage: the error targets are scaled to spend the perplexity budget (BudgetOptions).
class TuningEngine {
 public:
  TuningEngine(LayerEvaluator& evaluator, EngineOptions options);

  void set_observer(TuningObserver* observer) { observer_ = observer; }  // not owned
  void set_pin_source(PinSource source) { pin_source_ = std::move(source); }
  void set_perplexity_measure(PerplexityMeasure measure) { perplexity_ = std::move(measure); }

  // Runs to the end, to a cancel, or to the first error. Never throws.
  RunResult run(RunControl control = {});

 private:
  struct Plan;
  struct LayerRun;
  Status tune_layer(const Plan& plan, int layer_index, EvaluationLedger& ledger,
                    std::vector<LayerRun>& runs, RunResult& result);
  Status refine_layer(const Plan& plan, int layer_index, EvaluationLedger& ledger,
                      LayerRun& layer_run, const EvaluationCounts& before, RunResult& result);
  Status run_pass(const Plan& plan, int layer_index, int pass, EvaluationLedger& ledger,
                  const LayerRun& layer_run, std::vector<HeadTask>& tasks);
  void finish_layer(const Plan& plan, int layer_index, EvaluationLedger& ledger,
                    LayerResult layer_result, const EvaluationCounts& before, RunResult& result);
  Status run_guard(const Plan& plan, EvaluationLedger& ledger, std::vector<LayerRun>& runs,
                   RunResult& result);
  Status run_budget(const Plan& plan, EvaluationLedger& ledger, std::vector<LayerRun>& runs,
                    RunResult& result);
  enum class Stage3 { None, Validate, Full };
  Result<LayerResult> retarget_layer(const Plan& plan, EvaluationLedger& ledger, int layer_index,
                                     LayerRun& layer_run, double multiplier, Stage3 stage3,
                                     EvaluationCounts& layer_counts);
  Result<double> measure_perplexity(EvaluationLedger& ledger, double multiplier,
                                    const std::vector<LayerResult>& layers);
  SearchContext context_for(const Plan& plan, int layer, const RunResult& result) const;
  void report_progress(const Plan& plan, EvaluationLedger& ledger, int layer_index,
                       double layer_fraction, int layers_done);
  void log(const std::string& line);

  LayerEvaluator& evaluator_;
  EngineOptions options_;
  TuningObserver* observer_ = nullptr;
  PinSource pin_source_;
  PerplexityMeasure perplexity_;
};

}  // namespace afbs::engine
