#include "core/engine/budget_summary.h"

#include <cstdio>

namespace afbs::engine {
namespace {

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

std::string joined(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& word : words)
    text += (text.empty() ? "" : ", ") + word;
  return text;
}

}  // namespace

BudgetSummary summarise_budget(const RunResult& run, double perplexity_budget) {
  BudgetSummary summary;
  char budget[160];
  std::snprintf(budget, sizeof budget, "%.3g %% rise: ε × %.3g (ε1 %.4g, ε2 %.4g), %zu probes",
                100.0 * perplexity_budget, run.epsilon_multiplier, run.target_error,
                run.pv_target_error, run.budget_probes.size());
  summary.budget = budget;
  if (!run.budget_layer_choices.empty()) {
    summary.allocation = "sensitivity (layer settings " + joined(run.budget_layer_choices) + ")";
  } else if (run.budget_by_price) {
    summary.allocation = "price (each head's τ by a price on error)";
  } else {
    std::vector<std::string> multipliers;
    for (double m : run.layer_multipliers)
      multipliers.push_back(format("%.3g", m));
    summary.allocation = "equal targets";
    if (!multipliers.empty())
      summary.allocation += " (layer multipliers " + joined(multipliers) + ")";
  }
  return summary;
}

}  // namespace afbs::engine
