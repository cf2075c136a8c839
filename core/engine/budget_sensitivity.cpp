// The budget stage's sensitivity allocation (issue 13). The per-head relative-L1 proxy ranks
// heads wrongly for perplexity on the demo model, so here perplexity itself is the measure:
// each layer alone (every other layer dense) at each setting of a small menu is one probe,
// the greedy path of layer_allocation.h orders the layers' settings by sparsity per measured
// rise, and prefixes of that path are measured (bisected) until the sparsest one within the
// budget. Every probe goes through the ledger: counted, journalled, replayed on resume. Only
// the heads of a menu setting are evaluated (stage 2 re-targets or a static preset on the
// validation windows), each once; a mix re-uses them and costs only its perplexity probe.
#include <algorithm>
#include <cstdio>

#include "core/attention/sparse_preset.h"
#include "core/engine/baseline_searches.h"
#include "core/engine/budget_policy.h"
#include "core/engine/layer_allocation.h"

namespace afbs::engine {
namespace {

struct MenuEntry {
  std::string name;  // "afbs eps x2", "topk:0.4", "window:256"
  double label = 0.0;
  double multiplier = 0.0;  // AFBS-BO's m; 0 for a static setting
  LayerResult layer;
};

std::string short_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

}  // namespace

Result<LayerResult> BudgetPolicy::static_layer(RunHost& host, int layer_index,
                                               const HeadSetting& setting,
                                               EvaluationCounts& layer_counts) {
  const SearchContext context = host.context(layer_index);
  const EvaluationCounts before = host.counts();
  std::vector<BaselineHeadState> states(host.heads());
  std::vector<HeadTask> tasks(host.heads());
  for (int head = 0; head < host.heads(); ++head) {
    states[head].head = head;
    states[head].chosen = setting;
    tasks[head] = validate_baseline_choice(states[head], context, true);
  }
  if (Status ok = host.run_pass(layer_index, 2, tasks); !ok) return ok.error();
  add(layer_counts, minus(host.counts(), before));
  return host.assemble_layer(layer_index, [&](int head) {
    HeadResult result = states[head].result;
    result.note = "budget: sensitivity menu";
    return result;
  });
}

Result<std::optional<BudgetPolicy::MixPick>> BudgetPolicy::allocate_by_sensitivity(
    RunHost& host, const std::vector<LayerResult>& base, const std::vector<LayerResult>& uniform,
    std::vector<EvaluationCounts>& layer_counts, const RecordProbe& record) {
  const EngineOptions& options = afbs_.options();
  const BudgetOptions& budget_options = options.budget;
  const double budget = options.afbs.perplexity_budget;
  const int layer_count = host.layer_count();
  const auto last_probe = [&]() -> const BudgetProbe& {
    return host.result().budget_probes.back();
  };

  // The base's own rise (only pins can make it other than dense).
  double base_rise = 0.0;
  bool any_pin = false;
  for (const LayerResult& layer : base) {
    for (const HeadResult& head : layer.heads)
      any_pin = any_pin || head.pinned;
  }
  if (any_pin) {
    Result<bool> within = record(0.0, base, -1, "pins only");
    if (!within) return within.error();
    base_rise = last_probe().rise;
  }

  // Every layer's menu, each setting measured alone.
  std::vector<std::vector<MenuEntry>> menus(layer_count);
  std::vector<std::vector<LayerOption>> costs(layer_count);
  for (int i = 0; i < layer_count; ++i) {
    std::vector<MenuEntry>& menu = menus[i];
    for (double m : budget_options.sensitivity_multipliers) {
      MenuEntry entry{"afbs eps x" + short_number(m), m, m, {}};
      if (m == 1.0) {
        entry.layer = uniform[i];
      } else {
        auto layer = retarget_layer(host, i, m, Stage3::None, layer_counts[i]);
        if (!layer) return layer.error();
        entry.layer = std::move(*layer);
      }
      menu.push_back(std::move(entry));
    }
    std::vector<HeadSetting> statics;
    std::vector<std::pair<std::string, double>> names;
    for (double f : budget_options.sensitivity_topk) {
      HeadSetting setting;
      setting.rule = SelectionRule::top_fraction;
      setting.rule_parameter = f;
      statics.push_back(setting);
      names.emplace_back("topk:" + short_number(f), f);
    }
    const int top = host.context(i).top_length();
    std::vector<double> windows;
    for (double s : budget_options.sensitivity_window_sparsities) {
      const double w = static_cast<double>(window_tokens_for_sparsity(top, options.blocks, s));
      if (std::find(windows.begin(), windows.end(), w) != windows.end()) continue;
      windows.push_back(w);
      HeadSetting setting;
      setting.rule = SelectionRule::sliding_window;
      setting.rule_parameter = w;
      statics.push_back(setting);
      names.emplace_back("window:" + short_number(w), w);
    }
    for (std::size_t s = 0; s < statics.size(); ++s) {
      auto layer = static_layer(host, i, statics[s], layer_counts[i]);
      if (!layer) return layer.error();
      menu.push_back(MenuEntry{names[s].first, names[s].second, 0.0, std::move(*layer)});
    }
    for (const MenuEntry& entry : menu) {
      std::vector<LayerResult> probe = base;
      probe[i] = entry.layer;
      Result<bool> within = record(entry.label, probe, i, entry.name + " alone");
      if (!within) return within.error();
      LayerOption option;
      option.sparsity = mean_sparsity({entry.layer}) - mean_sparsity({base[i]});
      option.rise = last_probe().rise - base_rise;
      costs[i].push_back(option);
    }
  }

  // A config holds one selection rule for every sparse head (SparseConfig): layers may mix
  // AFBS-BO settings (θ, τ, λ per head), or one static rule with a width of their own (top-k
  // fractions, or windows), not both. So the settings form families (AFBS-BO, top-k, window);
  // the family whose greedy path buys the most sparsity within the budget by the summed rises
  // is the one measured.
  const auto family_of = [](const MenuEntry& entry) {
    return entry.multiplier > 0.0 ? std::string("afbs")
                                  : entry.name.substr(0, entry.name.find(':'));
  };
  std::vector<std::string> families;
  for (const std::vector<MenuEntry>& menu : menus) {
    for (const MenuEntry& entry : menu) {
      const std::string family = family_of(entry);
      if (std::find(families.begin(), families.end(), family) == families.end())
        families.push_back(family);
    }
  }
  std::vector<AllocationStep> path;
  std::string chosen_family;
  double best_estimate = -1.0;
  for (const std::string& family : families) {
    std::vector<std::vector<LayerOption>> in_family = costs;
    for (int i = 0; i < layer_count; ++i) {
      for (std::size_t o = 0; o < menus[i].size(); ++o) {
        const MenuEntry& entry = menus[i][o];
        if (family_of(entry) != family) in_family[i][o].sparsity = 0;
      }
    }
    std::vector<AllocationStep> candidate = allocation_path(in_family);
    double estimate = 0.0;
    const int fits = steps_within(candidate, budget - base_rise);
    for (int k = 0; k < fits; ++k)
      estimate += candidate[k].sparsity;
    host.log("budget: sensitivity family " + family + ": " + format_number(estimate) +
             " layer-mean sparsity within the budget by summed rises");
    if (estimate > best_estimate) {
      best_estimate = estimate;
      chosen_family = family;
      path = std::move(candidate);
    }
  }

  // Prefixes of the greedy path: the first guess spends the budget by the summed rises, then
  // bisection between the longest prefix within and the shortest over.
  const int length = static_cast<int>(path.size());
  std::string order;
  for (const AllocationStep& step : path) {
    order += (order.empty() ? "" : ", ") + std::to_string(host.layer_of(step.layer)) + " " +
             menus[step.layer][step.option].name;
  }
  host.log("budget: sensitivity path, family " + chosen_family + " (" + std::to_string(length) +
           " steps): " + order);
  std::optional<MixPick> pick;
  int low = 0;            // the longest prefix measured within (0: the base)
  int high = length + 1;  // the shortest measured over (length + 1: none)
  int steps = std::max(1, steps_within(path, budget - base_rise));
  for (int probes = 0; probes < budget_options.max_mix_probes && steps > low && steps < high;
       ++probes) {
    const std::vector<int> choices = choices_after(path, layer_count, steps);
    MixPick mix;
    for (int i = 0; i < layer_count; ++i) {
      const bool chosen = choices[i] >= 0;
      mix.layers.push_back(chosen ? menus[i][choices[i]].layer : base[i]);
      mix.multipliers.push_back(chosen ? menus[i][choices[i]].multiplier : 0.0);
      mix.choices.push_back(chosen ? menus[i][choices[i]].name : "dense");
    }
    Result<bool> within =
        record(static_cast<double>(steps), mix.layers, -1,
               "mix of " + std::to_string(steps) + "/" + std::to_string(length) + " steps");
    if (!within) return within.error();
    if (*within) {
      low = steps;
      mix.perplexity = last_probe().perplexity;
      mix.sparsity = last_probe().mean_sparsity;
      if (!pick || mix.sparsity > pick->sparsity) pick = std::move(mix);
    } else {
      high = steps;
    }
    steps = (low + high) / 2;
  }
  return pick;
}

}  // namespace afbs::engine
