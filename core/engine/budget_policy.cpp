// The budget stage (issue 13): instead of only tightening ε when perplexity rises too much,
// scale ε1 and ε2 to spend the perplexity budget: one global multiplier m first, then each
// layer's own. Each probe re-targets stage 2 of the unpinned heads (bracketed by the τ points
// a head already measured at n_F, PV-skip off) and measures perplexity through the ledger, so
// probes are counted, journalled and replayed on resume like every evaluation. The sparsest
// probe within the budget then gets stage 3 (λ and validation windows) and is measured once
// more: the guard's word is final, and a config over the budget is never the result.
#include "core/engine/budget_policy.h"

#include <algorithm>
#include <optional>

#include "core/engine/multiplier_search.h"
#include "core/engine/price_allocation.h"

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
  double error = 0.0;
  for (const TauPoint& p : state.tau_points)
    if (p.tau == state.tau_star) error = p.error;
  HeadResult result =
      sparse_result(state.head, HeadSetting{state.theta_hat, state.tau_star, kPvSkipOff},
                    state.tau_sparsity, error, 0.0, true);
  result.measured = false;  // tune windows only: the validation windows have not seen it
  result.note = "budget probe (tune windows, PV-skip off)";
  return result;
}

struct Candidate {
  std::vector<double> multipliers;  // per layer: m on ε, or with `price` the looseness x
  std::vector<LayerResult> layers;
  double perplexity = 0.0;
  double sparsity = 0.0;
  bool validated = false;
  bool price = false;                     // from the price allocation (price = reference price / x)
  std::vector<std::string> choices = {};  // the sensitivity allocation's mix, in words
};

// Total error of the unpinned sparse heads of `layers`: what a config spends.
double spent_error(const std::vector<LayerResult>& layers) {
  double sum = 0.0;
  for (const LayerResult& layer : layers) {
    for (const HeadResult& head : layer.heads)
      sum += head.sparse && !head.pinned ? head.error : 0.0;
  }
  return sum;
}

}  // namespace

Status BudgetPolicy::start_run(RunHost& host) {
  const EngineOptions& options = afbs_.options();
  if (!host.can_measure_perplexity()) {
    return Error{"a perplexity budget needs the end-to-end perplexity measure (the guard)"};
  }
  if (!(options.afbs.perplexity_budget >= 0.0) || !(options.budget.growth > 1.0) ||
      !(options.budget.min_multiplier > 0.0) || options.budget.max_multiplier < 1.0) {
    return Error{
        "budget options: the budget must be >= 0, growth > 1, and "
        "0 < min multiplier <= 1 <= max multiplier"};
  }
  return afbs_.start_run(host);
}

Result<LayerResult> BudgetPolicy::retarget_layer(RunHost& host, int layer_index, double multiplier,
                                                 Stage3 stage3, EvaluationCounts& layer_counts) {
  const EngineOptions& options = afbs_.options();
  SearchContext context = host.context(layer_index);
  context.target_error = multiplier * options.target_error;
  context.pv_target_error = multiplier * options.pv_target_error;
  const PinSnapshot& pins = host.pins(layer_index);
  std::vector<AfbsHeadState>& states = afbs_.heads(layer_index);
  const EvaluationCounts before = host.counts();
  std::vector<HeadTask> tau_tasks(host.heads());
  std::vector<HeadTask> pv_tasks(host.heads());
  for (int head = 0; head < host.heads(); ++head) {
    if (pins.count(head) != 0) continue;
    tau_tasks[head] = retarget_tau(states[head], context, options.budget.tau_tolerance);
    if (stage3 != Stage3::None) {
      pv_tasks[head] =
          pv_and_validation(states[head], context, options.afbs, stage3 == Stage3::Full);
    }
  }
  if (Status ok = host.run_pass(layer_index, 1, tau_tasks); !ok) return ok.error();
  if (stage3 != Stage3::None) {
    if (Status ok = host.run_pass(layer_index, 2, pv_tasks); !ok) return ok.error();
  }
  add(layer_counts, minus(host.counts(), before));

  return host.assemble_layer(layer_index, [&](int head) {
    return stage3 != Stage3::None ? states[head].result
                                  : retargeted_result(states[head], options.min_sparsity);
  });
}

double BudgetPolicy::max_error() const {
  return afbs_.options().budget.max_multiplier * afbs_.options().target_error;
}

LayerResult BudgetPolicy::allocate_layer(RunHost& host, int layer_index, double price) {
  const double min_sparsity = afbs_.options().min_sparsity;
  std::vector<AfbsHeadState>& states = afbs_.heads(layer_index);
  return host.assemble_layer(layer_index, [&](int head) {
    const AfbsHeadState& state = states[head];
    const int chosen = choose_tau_point(state.tau_points, price, min_sparsity, max_error());
    if (chosen < 0) return dense_result(head, state.theta_hat, "budget: dense at this price");
    const TauPoint& point = state.tau_points[chosen];
    HeadResult result = sparse_result(head, HeadSetting{state.theta_hat, point.tau, kPvSkipOff},
                                      point.sparsity, point.error, 0.0, true);
    result.measured = false;  // tune windows only
    result.note = "budget price probe (tune windows, PV-skip off)";
    return result;
  });
}

Result<LayerResult> BudgetPolicy::validate_allocation(RunHost& host, int layer_index, double price,
                                                      Stage3 stage3,
                                                      EvaluationCounts& layer_counts) {
  const EngineOptions& options = afbs_.options();
  const PinSnapshot& pins = host.pins(layer_index);
  std::vector<AfbsHeadState>& states = afbs_.heads(layer_index);
  const EvaluationCounts before = host.counts();
  std::vector<HeadTask> tasks(host.heads());
  for (int head = 0; head < host.heads(); ++head) {
    if (pins.count(head) != 0) continue;
    AfbsHeadState& state = states[head];
    const int chosen = choose_tau_point(state.tau_points, price, options.min_sparsity, max_error());
    // Each head's own allowance: the error it was given on the tune windows, and ε2/ε1 of it
    // with PV-skip on the validation windows (the slack equal targets leave too).
    SearchContext context = host.context(layer_index);
    state.tau_note.clear();
    state.tau_feasible = chosen >= 0;
    if (chosen < 0) {
      state.tau_note = "budget: dense at this price";
    } else {
      const TauPoint& point = state.tau_points[chosen];
      state.tau_star = point.tau;
      state.tau_sparsity = point.sparsity;
      context.target_error = std::max(point.error, 1e-9);
      context.pv_target_error =
          context.target_error * options.pv_target_error / options.target_error;
    }
    tasks[head] = pv_and_validation(state, context, options.afbs, stage3 == Stage3::Full);
  }
  if (Status ok = host.run_pass(layer_index, 2, tasks); !ok) return ok.error();
  add(layer_counts, minus(host.counts(), before));
  return host.assemble_layer(layer_index, [&](int head) { return states[head].result; });
}

Status BudgetPolicy::finish_run(RunHost& host) {
  const EngineOptions& options = afbs_.options();
  RunResult& result = host.result();
  const double budget = options.afbs.perplexity_budget;
  const std::size_t layer_count = host.layer_count();
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
  const std::vector<LayerResult> uniform_layers = result.layers;
  Result<double> dense = host.measure_perplexity(0.0, all_dense);
  if (!dense) return with_context("measuring dense perplexity", dense.error());
  result.perplexity_dense = *dense;

  std::vector<EvaluationCounts> layer_counts;
  for (const LayerResult& layer : result.layers)
    layer_counts.push_back(layer.counts);
  std::optional<Candidate> best;
  bool by_price = false;  // the probes being recorded come from the price allocation
  // Measures `layers` (each layer at its own multiplier, or looseness when by_price); the
  // sparsest within the budget so far becomes `best` when `may_be_best`.
  const auto record = [&](const std::vector<double>& multipliers,
                          const std::vector<LayerResult>& layers, bool validated, int layer,
                          bool may_be_best, const std::string& option = {}) -> Result<bool> {
    const double label = layer >= 0 ? multipliers[layer] : multipliers.front();
    Result<double> perplexity = host.measure_perplexity(label, layers);
    if (!perplexity) return with_context("budget probe", perplexity.error());
    BudgetProbe probe;
    probe.multiplier = label;
    probe.price = by_price;
    probe.layer = layer < 0 ? -1 : host.layer_of(layer);
    probe.perplexity = *perplexity;
    probe.rise = *perplexity / *dense - 1.0;
    probe.mean_sparsity = mean_sparsity(layers);
    probe.within_budget = probe.rise <= budget;
    probe.validated = validated;
    probe.evaluations = host.counts().evaluations;
    probe.option = option;
    result.budget_probes.push_back(probe);
    const std::string what = !option.empty() ? option
                             : by_price      ? "price looseness × " + format_number(label)
                                             : "ε × " + format_number(label);
    host.log("budget: " +
             (layer >= 0 ? "layer " + std::to_string(probe.layer) + " at " : std::string()) + what +
             (validated ? " (stage 3)" : "") + ": sparsity " + format_number(probe.mean_sparsity) +
             ", perplexity " + format_number(*perplexity) + " (" +
             format_number(100.0 * probe.rise) + " % rise, budget " +
             format_number(100.0 * budget) + " %)");
    if (may_be_best && probe.within_budget && (!best || probe.mean_sparsity > best->sparsity)) {
      best = Candidate{multipliers, layers, *perplexity, probe.mean_sparsity, validated, by_price};
    }
    return probe.within_budget;
  };
  const auto retarget_all = [&](const std::vector<double>& multipliers,
                                Stage3 stage3) -> Result<std::vector<LayerResult>> {
    std::vector<LayerResult> layers;
    for (std::size_t i = 0; i < layer_count; ++i) {
      auto layer =
          retarget_layer(host, static_cast<int>(i), multipliers[i], stage3, layer_counts[i]);
      if (!layer) return layer.error();
      layers.push_back(std::move(*layer));
    }
    return layers;
  };

  // m = 1: the uniform run already tuned (stages 1-3 at ε). Then the global multiplier.
  MultiplierSearch search(options.budget);
  Result<bool> uniform =
      record(std::vector<double>(layer_count, 1.0), result.layers, true, -1, true);
  if (!uniform) return uniform.error();
  search.tell(1.0, *uniform);
  for (int probes = 0; probes < options.budget.max_probes; ++probes) {
    const std::optional<double> multiplier = search.next();
    if (!multiplier) break;
    const std::vector<double> multipliers(layer_count, *multiplier);
    auto layers = retarget_all(multipliers, Stage3::None);
    if (!layers) return layers.error();
    Result<bool> within = record(multipliers, *layers, false, -1, true);
    if (!within) return within.error();
    search.tell(*multiplier, *within);
  }
  result.epsilon_multiplier = best ? best->multipliers.front() : 0.0;

  // The price allocation, from the points every head measured so far: looseness x = 1 spends
  // the total error of the best equal-target config, then x is searched like m (no evaluation).
  double reference_price = 0.0;
  if (best && options.budget.price_allocation) {
    std::vector<const std::vector<TauPoint>*> heads;
    for (int i = 0; i < host.layer_count(); ++i) {
      for (int head = 0; head < host.heads(); ++head) {
        if (host.pins(i).count(head) == 0) heads.push_back(&afbs_.heads(i)[head].tau_points);
      }
    }
    reference_price = price_for_total_error(heads, spent_error(best->layers), options.min_sparsity,
                                            max_error(), 0.0);
  }
  const auto allocate_all = [&](const std::vector<double>& looseness) {
    std::vector<LayerResult> layers;
    for (std::size_t i = 0; i < layer_count; ++i)
      layers.push_back(allocate_layer(host, static_cast<int>(i), reference_price / looseness[i]));
    return layers;
  };
  if (reference_price > 0.0) {
    by_price = true;
    MultiplierSearch looseness(options.budget);
    for (int probes = 0; probes < options.budget.max_probes; ++probes) {
      const std::optional<double> x = looseness.next();
      if (!x) break;
      const std::vector<double> xs(layer_count, *x);
      Result<bool> within = record(xs, allocate_all(xs), false, -1, true);
      if (!within) return within.error();
      looseness.tell(*x, *within);
    }
  }

  if (best && options.budget.refine_layers && !options.budget.layer_sensitivity) {
    // Each layer alone one step looser, kept when the whole config stays within the budget.
    by_price = best->price;
    std::vector<double> multipliers = best->multipliers;
    auto current = !best->validated ? Result<std::vector<LayerResult>>(best->layers)
                   : by_price       ? Result<std::vector<LayerResult>>(allocate_all(multipliers))
                                    : retarget_all(multipliers, Stage3::None);
    if (!current) return current.error();
    double current_sparsity = mean_sparsity(*current);
    for (std::size_t i = 0; i < layer_count; ++i) {
      std::vector<double> tried = multipliers;
      tried[i] =
          std::min(multipliers[i] * options.budget.layer_growth, options.budget.max_multiplier);
      if (tried[i] <= multipliers[i]) continue;
      Result<LayerResult> layer =
          by_price
              ? Result<LayerResult>(
                    allocate_layer(host, static_cast<int>(i), reference_price / tried[i]))
              : retarget_layer(host, static_cast<int>(i), tried[i], Stage3::None, layer_counts[i]);
      if (!layer) return layer.error();
      std::vector<LayerResult> candidate = *current;
      candidate[i] = std::move(*layer);
      Result<bool> within = record(tried, candidate, false, static_cast<int>(i), true);
      if (!within) return within.error();
      if (*within && mean_sparsity(candidate) > current_sparsity) {
        multipliers = tried;
        *current = std::move(candidate);
        current_sparsity = mean_sparsity(*current);
      }
    }
  }

  if (options.budget.layer_sensitivity) {
    by_price = false;
    const RecordProbe record_probe = [&](double label, const std::vector<LayerResult>& layers,
                                         int layer, const std::string& option) {
      return record(std::vector<double>(layer_count, label), layers, false, layer, false, option);
    };
    auto pick =
        allocate_by_sensitivity(host, dense_layers, uniform_layers, layer_counts, record_probe);
    if (!pick) return pick.error();
    if (*pick && (!best || (*pick)->sparsity > best->sparsity)) {
      host.log("budget: the sensitivity mix is the sparsest within the budget");
      MixPick& mix = **pick;
      best = Candidate{mix.multipliers, std::move(mix.layers), mix.perplexity, mix.sparsity, true,
                       false,           std::move(mix.choices)};
    }
  }

  if (!best) {
    host.log("budget: no multiplier down to " + format_number(options.budget.min_multiplier) +
             " fits; every unpinned head goes dense");
    by_price = false;
    const std::vector<double> zeros(layer_count, 0.0);
    Result<bool> within = record(zeros, dense_layers, true, -1, false);
    if (!within) return within.error();
    best = Candidate{zeros, dense_layers, result.budget_probes.back().perplexity, 0.0, true};
  } else if (!best->validated) {
    // Stage 3 on the chosen targets (their τ points settle stage 2 without evaluations); over
    // the budget, the same without PV-skip; over again, the probe as it was measured.
    by_price = best->price;
    for (Stage3 stage3 : {Stage3::Full, Stage3::Validate}) {
      Result<std::vector<LayerResult>> layers = std::vector<LayerResult>{};
      if (by_price) {
        for (std::size_t i = 0; i < layer_count && layers; ++i) {
          auto layer =
              validate_allocation(host, static_cast<int>(i), reference_price / best->multipliers[i],
                                  stage3, layer_counts[i]);
          if (!layer) {
            layers = layer.error();
          } else {
            layers->push_back(std::move(*layer));
          }
        }
      } else {
        layers = retarget_all(best->multipliers, stage3);
      }
      if (!layers) return layers.error();
      Result<bool> within = record(best->multipliers, *layers, true, -1, false);
      if (!within) return within.error();
      if (*within) {
        best = Candidate{best->multipliers,
                         std::move(*layers),
                         result.budget_probes.back().perplexity,
                         result.budget_probes.back().mean_sparsity,
                         true,
                         by_price};
        break;
      }
    }
    if (!best->validated)
      host.log("budget: stage 3 goes over the budget; keeping the measured probe");
  }
  for (std::size_t i = 0; i < best->layers.size(); ++i) {
    best->layers[i].counts = layer_counts[i];
    host.report_layer(best->layers[i]);
  }
  result.layers = best->layers;
  result.layer_multipliers = best->multipliers;
  result.budget_by_price = best->price;
  result.budget_layer_choices = best->choices;
  result.perplexity_tuned = best->perplexity;
  result.target_error = result.epsilon_multiplier * options.target_error;
  result.pv_target_error = result.epsilon_multiplier * options.pv_target_error;
  return {};
}

}  // namespace afbs::engine
