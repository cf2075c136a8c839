#include "core/engine/multiplier_search.h"

#include <algorithm>
#include <cmath>

namespace afbs::engine {

std::optional<double> MultiplierSearch::next() const {
  const bool any_over = std::isfinite(over_);
  if (within_ <= 0.0 && !any_over) return 1.0;  // the uniform targets first
  if (!any_over) {
    if (within_ >= options_.max_multiplier) return std::nullopt;
    return std::min(within_ * options_.growth, options_.max_multiplier);
  }
  if (within_ <= 0.0) {
    const double lower = over_ / options_.growth;
    if (lower < options_.min_multiplier * (1.0 - 1e-9)) return std::nullopt;
    return lower;
  }
  if (over_ / within_ <= 1.0 + options_.ratio_tolerance) return std::nullopt;
  return std::sqrt(within_ * over_);
}

void MultiplierSearch::tell(double multiplier, bool within_budget) {
  if (within_budget) {
    within_ = std::max(within_, multiplier);
  } else {
    over_ = std::min(over_, multiplier);
  }
}

}  // namespace afbs::engine
