#pragma once

#include <limits>
#include <optional>

#include "core/engine/engine_options.h"

namespace afbs::engine {

// The budget stage's search for one multiplier m on the error targets: the largest m whose
// measured perplexity rise stays within the budget. Steps up (or down) by `growth` until a
// probe lands on each side, then bisects geometrically until m_high / m_low <= 1 + tolerance.
// It assumes the rise grows with m; where it does not, the caller keeps the best measured
// point within the budget whatever the order. The dense model (m = 0) is within by definition.
class MultiplierSearch {
 public:
  explicit MultiplierSearch(const BudgetOptions& options) : options_(options) {}

  // The multiplier to measure next; none when the bracket is narrow enough, the ceiling is
  // reached and within budget, or the floor is reached and still over.
  std::optional<double> next() const;
  // The probe at `multiplier` came out within the budget or not.
  void tell(double multiplier, bool within_budget);

  double largest_within() const { return within_; }  // 0: none measured yet
  double smallest_over() const { return over_; }     // infinity: none measured yet

 private:
  BudgetOptions options_;
  double within_ = 0.0;
  double over_ = std::numeric_limits<double>::infinity();
};

}  // namespace afbs::engine
