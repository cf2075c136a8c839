#pragma once

#include <optional>
#include <string>

#include "core/tuning/optimizer_progress.h"

namespace afbs::tuning {

// Decides when an optimisation loop ends. Swappable at run time through this interface.
class StopRule {
 public:
  virtual ~StopRule() = default;
  virtual std::string name() const = 0;
  // The reason to stop now, in words, or nothing to go on.
  virtual std::optional<std::string> check(const OptimizerProgress& progress) const = 0;
};

}  // namespace afbs::tuning
