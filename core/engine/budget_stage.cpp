// The budget stage (issue 13): instead of only tightening ε when perplexity rises too much,
// scale ε1 and ε2 by one multiplier m to spend the perplexity budget. Each probe re-targets
// stage 2 of every unpinned head at m ε1 (bracketed by the τ points the head already measured
// at n_F, PV-skip off) and measures perplexity through the ledger, so probes are counted,
// journalled and replayed on resume like every evaluation. The best probe within the budget
// then gets stage 3 (λ and validation windows) and is measured once more: the guard's word is
// final, and a config over the budget is never the result.
#include <algorithm>
#include <optional>

#include "core/engine/afbs_stages.h"
#include "core/engine/layer_scheduler.h"
#include "core/engine/multiplier_search.h"
#include "core/engine/tuning_engine_state.h"

namespace afbs::engine {
namespace {

// A head at its re-targeted τ with PV-skip off, as stage 2 measured it on the tune windows.
HeadResult retargeted_result(const AfbsHeadState& state, double min_sparsity) {
  if (!state.tau_feasible) {
    return dense_result(state.head, state.theta_hat,
                        state.tau_note.empty() ? "no τ < 1 meets the target" : state.tau_note);
  }
  if (state.tau_sparsity < min_sparsity) {
    return dense_result(state.head, state.theta_hat, "sparsity under the minimum");
  }
  const TauPoint* point = nullptr;
  for (const TauPoint& p : state.tau_points)
    if (p.tau == state.tau_star) point = &p;
  HeadResult result =
      sparse_result(state.head, HeadSetting{state.theta_hat, state.tau_star, kPvSkipOff},
                    state.tau_sparsity, point ? point->error : 0.0, 0.0, true);
  result.measured = false;  // tune windows only: the validation windows have not seen it
  result.note = "budget probe (tune windows, PV-skip off)";
  return result;
}

struct Candidate {
  double multiplier = 0.0;
  std::vector<LayerResult> layers;
  double perplexity = 0.0;
  double sparsity = 0.0;
  bool validated = false;
};

}  // namespace

Result<std::vector<LayerResult>> TuningEngine::retarget_layers(
    const Plan& plan, EvaluationLedger& ledger, std::vector<LayerRun>& runs, double multiplier,
    bool with_stage3, std::vector<EvaluationCounts>& layer_counts) {
  RunResult scaled;
  scaled.target_error = multiplier * options_.target_error;
  scaled.pv_target_error = multiplier * options_.pv_target_error;
  std::vector<LayerResult> layers;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    LayerRun& run = runs[i];
    const SearchContext context = context_for(plan, run.layer, scaled);
    const EvaluationCounts before = ledger.counts();
    std::vector<HeadTask> tau_tasks(plan.heads);
    std::vector<HeadTask> pv_tasks(plan.heads);
    for (int head = 0; head < plan.heads; ++head) {
      if (run.pins.count(head) != 0) continue;
      tau_tasks[head] = retarget_tau(run.afbs[head], context, options_.budget.tau_tolerance);
      if (with_stage3)
        pv_tasks[head] = tune_pv_and_validate(run.afbs[head], context, options_.afbs);
    }
    const int index = static_cast<int>(i);
    if (Status ok = run_pass(plan, index, 1, ledger, run, tau_tasks); !ok) return ok.error();
    if (with_stage3) {
      if (Status ok = run_pass(plan, index, 2, ledger, run, pv_tasks); !ok) return ok.error();
    }
    const EvaluationCounts spent = minus(ledger.counts(), before);
    EvaluationCounts& total = layer_counts[i];
    total.evaluations += spent.evaluations;
    total.weighted_evaluations += spent.weighted_evaluations;
    total.seconds += spent.seconds;
    total.replayed += spent.replayed;

    LayerResult layer;
    layer.layer = run.layer;
    for (int head = 0; head < plan.heads; ++head) {
      const auto pin = run.pins.find(head);
      if (pin != run.pins.end()) {
        layer.heads.push_back(pinned_result(head, pin->second));
      } else if (with_stage3) {
        layer.heads.push_back(run.afbs[head].result);
      } else {
        layer.heads.push_back(retargeted_result(run.afbs[head], options_.min_sparsity));
      }
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

Status TuningEngine::run_budget(const Plan& plan, EvaluationLedger& ledger,
                                std::vector<LayerRun>& runs, RunResult& result) {
  const double budget = options_.afbs.perplexity_budget;
  // The fallback (pins kept, every other head dense) and the dense model itself.
  std::vector<LayerResult> dense_layers = result.layers;
  std::vector<LayerResult> all_dense = result.layers;
  for (std::size_t l = 0; l < dense_layers.size(); ++l) {
    for (std::size_t h = 0; h < dense_layers[l].heads.size(); ++h) {
      HeadResult& head = dense_layers[l].heads[h];
      all_dense[l].heads[h] = dense_result(head.head, head.setting.theta, "");
      if (!head.pinned) head = dense_result(head.head, head.setting.theta, "budget: nothing fits");
    }
  }
  Result<double> dense = measure_perplexity(ledger, 0.0, all_dense);
  if (!dense) return with_context("measuring dense perplexity", dense.error());
  result.perplexity_dense = *dense;

  std::vector<EvaluationCounts> layer_counts;
  for (const LayerResult& layer : result.layers)
    layer_counts.push_back(layer.counts);
  MultiplierSearch search(options_.budget);
  std::optional<Candidate> best;
  const auto record = [&](double multiplier, const std::vector<LayerResult>& layers,
                          bool validated) -> Result<bool> {
    Result<double> perplexity = measure_perplexity(ledger, multiplier, layers);
    if (!perplexity) return with_context("budget probe", perplexity.error());
    BudgetProbe probe;
    probe.multiplier = multiplier;
    probe.perplexity = *perplexity;
    probe.rise = *perplexity / *dense - 1.0;
    probe.mean_sparsity = mean_sparsity(layers);
    probe.within_budget = probe.rise <= budget;
    probe.validated = validated;
    probe.evaluations = ledger.counts().evaluations;
    result.budget_probes.push_back(probe);
    log("budget: ε × " + format_number(multiplier) + (validated ? "" : " (probe)") + ": sparsity " +
        format_number(probe.mean_sparsity) + ", perplexity " + format_number(*perplexity) + " (" +
        format_number(100.0 * probe.rise) + " % rise, budget " + format_number(100.0 * budget) +
        " %)");
    if (probe.within_budget && (!best || probe.mean_sparsity > best->sparsity)) {
      best = Candidate{multiplier, layers, *perplexity, probe.mean_sparsity, validated};
    }
    return probe.within_budget;
  };

  // m = 1: the uniform run already tuned (stages 1-3 at ε).
  Result<bool> uniform = record(1.0, result.layers, true);
  if (!uniform) return uniform.error();
  search.tell(1.0, *uniform);
  for (int probes = 0; probes < options_.budget.max_probes; ++probes) {
    const std::optional<double> multiplier = search.next();
    if (!multiplier) break;
    auto layers = retarget_layers(plan, ledger, runs, *multiplier, false, layer_counts);
    if (!layers) return layers.error();
    Result<bool> within = record(*multiplier, *layers, false);
    if (!within) return within.error();
    search.tell(*multiplier, *within);
  }

  if (!best) {
    log("budget: no multiplier down to " + format_number(options_.budget.min_multiplier) +
        " fits; every unpinned head goes dense");
    Result<bool> within = record(0.0, dense_layers, true);
    if (!within) return within.error();
    best = Candidate{0.0, dense_layers, result.budget_probes.back().perplexity, 0.0, true};
  } else if (!best->validated) {
    // Stage 3 on the chosen targets. The τ points settle stage 2 again without evaluations.
    auto layers = retarget_layers(plan, ledger, runs, best->multiplier, true, layer_counts);
    if (!layers) return layers.error();
    const Candidate probe = *best;
    Result<bool> within = record(best->multiplier, *layers, true);
    if (!within) return within.error();
    if (!*within) {
      log("budget: stage 3's config goes over the budget; keeping the measured probe");
      best = probe;
    } else {
      best = Candidate{probe.multiplier, *layers, result.budget_probes.back().perplexity,
                       result.budget_probes.back().mean_sparsity, true};
    }
  }
  for (std::size_t i = 0; i < best->layers.size(); ++i) {
    best->layers[i].counts = layer_counts[i];
    if (observer_ != nullptr) observer_->on_layer_finished(best->layers[i]);
  }
  result.layers = best->layers;
  result.perplexity_tuned = best->perplexity;
  result.epsilon_multiplier = best->multiplier;
  result.target_error = best->multiplier * options_.target_error;
  result.pv_target_error = best->multiplier * options_.pv_target_error;
  return {};
}

}  // namespace afbs::engine
