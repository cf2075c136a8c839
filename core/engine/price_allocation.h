#pragma once

#include <vector>

#include "core/engine/afbs_stages.h"

namespace afbs::engine {

// The budget stage's second allocation (issue 13): instead of one error target for every head
// (ε × m), each head spends error where it buys the most sparsity. At a price p (sparsity per
// unit of error) a head takes the τ point it already measured at n_F that maximises
// sparsity − p · error, or stays dense (0 − 0) when none does better. That is the Lagrangian
// of "most total sparsity for a given total error": at the optimum every head's marginal
// sparsity per unit error is the same, where equal targets leave steep heads under-spent and
// flat heads over-spent. No evaluation is needed: the points are the ones stages 2 and the
// multiplier probes measured.

// The index in `points` of the head's choice at `price`, or -1 for dense. Only points with
// sparsity >= min_sparsity and error <= max_error are candidates.
int choose_tau_point(const std::vector<TauPoint>& points, double price, double min_sparsity,
                     double max_error);

// The price at which the choices of `heads` (each a head's points) sum to at most
// `total_error`, by bisection on log p: the allocation spending what an equal-target config
// spent. Returns `fallback` when no head has a candidate point.
double price_for_total_error(const std::vector<const std::vector<TauPoint>*>& heads,
                             double total_error, double min_sparsity, double max_error,
                             double fallback);

}  // namespace afbs::engine
