#pragma once

#include <vector>

namespace afbs::engine {

// The budget stage's sensitivity allocation (issue 13): each layer has a menu of settings
// (AFBS-BO at a looser ε, top-k, a sliding window), each measured alone — that layer at the
// option, every other layer dense — for its sparsity and its perplexity rise. Choosing one
// option per layer for the most sparsity under a total rise is a multiple-choice knapsack;
// taking the rises as additive, its Lagrangian relaxation is solved greedily: on each layer's
// upper convex hull of (rise, sparsity), steps in order of sparsity bought per unit of rise.
// A prefix of that path is the allocation at one price; the caller measures prefixes (the
// rises are not really additive) and keeps the sparsest one within the budget.

struct LayerOption {
  double sparsity = 0.0;  // the layer's gain over dense (weighted, e.g. by the layer's FLOPs)
  double rise = 0.0;      // measured relative perplexity rise with only this layer changed
};

struct AllocationStep {
  int layer = 0;
  int option = 0;         // index into that layer's options
  double rise = 0.0;      // the step's added rise (never negative)
  double sparsity = 0.0;  // the step's added sparsity (positive)
};

// Every layer starts dense (sparsity 0, rise 0). The steps move one layer at a time up its
// hull, in order of falling sparsity per rise (a step that costs no rise comes first). Options
// whose sparsity is not positive or whose rise is not finite are never chosen; a negative
// measured rise counts as 0. Ties keep the lower layer, then the lower option, first.
std::vector<AllocationStep> allocation_path(const std::vector<std::vector<LayerOption>>& layers);

// Each layer's option after the first `steps` steps of `path` (-1: dense).
std::vector<int> choices_after(const std::vector<AllocationStep>& path, int layer_count, int steps);

// The number of leading steps whose summed rises stay within `budget`.
int steps_within(const std::vector<AllocationStep>& path, double budget);

}  // namespace afbs::engine
