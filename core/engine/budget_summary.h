#pragma once

#include <string>

#include "core/engine/tuning_engine.h"

namespace afbs::engine {

// What a budget run chose, in the words `afbs-tune tune` prints and the workbench logs: one
// source, so the two never say it differently.
struct BudgetSummary {
  // "1 % rise: ε × 2 (ε1 0.1, ε2 0.12), 5 probes"
  std::string budget;
  // Which allocation the config is: "equal targets (layer multipliers 2, 3)", "price (each
  // head's τ by a price on error)" or "sensitivity (layer settings topk:0.5, window:128)".
  std::string allocation;
};

// `perplexity_budget` is the fraction the run was given (0.01 for 1 %).
BudgetSummary summarise_budget(const RunResult& run, double perplexity_budget);

}  // namespace afbs::engine
