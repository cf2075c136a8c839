#pragma once

#include <memory>
#include <vector>

#include "core/tuning/stop_rule.h"

namespace afbs::tuning {

// The concrete stop rules are a few lines each, so they share this pair of files.

// Stops once `max_evaluations` observations have been told.
class BudgetStop : public StopRule {
 public:
  explicit BudgetStop(int max_evaluations) : max_evaluations_(max_evaluations) {}
  std::string name() const override { return "budget"; }
  std::optional<std::string> check(const OptimizerProgress& progress) const override;

 private:
  int max_evaluations_;
};

// Stops when the best expected improvement the last ask() found is below `tolerance`
// (objective units), once a feasible point exists. Never fires on a feasibility score.
class NegligibleImprovementStop : public StopRule {
 public:
  explicit NegligibleImprovementStop(double tolerance) : tolerance_(tolerance) {}
  std::string name() const override { return "negligible-improvement"; }
  std::optional<std::string> check(const OptimizerProgress& progress) const override;

 private:
  double tolerance_;
};

// Stops as soon as any of its rules does, with that rule's reason.
class AnyStopRule : public StopRule {
 public:
  AnyStopRule() = default;
  AnyStopRule& add(std::unique_ptr<StopRule> rule);
  std::string name() const override { return "any"; }
  std::optional<std::string> check(const OptimizerProgress& progress) const override;

 private:
  std::vector<std::unique_ptr<StopRule>> rules_;
};

}  // namespace afbs::tuning
