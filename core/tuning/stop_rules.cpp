#include "core/tuning/stop_rules.h"

#include <sstream>

namespace afbs::tuning {

std::optional<std::string> BudgetStop::check(const OptimizerProgress& progress) const {
  if (progress.evaluations < max_evaluations_) return std::nullopt;
  return "budget of " + std::to_string(max_evaluations_) + " evaluations spent";
}

std::optional<std::string> NegligibleImprovementStop::check(
    const OptimizerProgress& progress) const {
  if (!progress.has_feasible || !progress.last_acquisition ||
      !progress.last_acquisition_is_improvement || *progress.last_acquisition >= tolerance_) {
    return std::nullopt;
  }
  std::ostringstream reason;
  reason << "expected improvement " << *progress.last_acquisition << " below tolerance "
         << tolerance_;
  return reason.str();
}

AnyStopRule& AnyStopRule::add(std::unique_ptr<StopRule> rule) {
  rules_.push_back(std::move(rule));
  return *this;
}

std::optional<std::string> AnyStopRule::check(const OptimizerProgress& progress) const {
  for (const auto& rule : rules_) {
    if (auto reason = rule->check(progress)) return reason;
  }
  return std::nullopt;
}

}  // namespace afbs::tuning
