#pragma once

#include <memory>

#include "core/engine/method_policy.h"

namespace afbs::engine {

// The policy of options.method (with options.budget.enabled, AFBS-BO's budget stage): the one
// place that maps a TuningMethod to its policy. Errors name the setting at fault.
Result<std::unique_ptr<MethodPolicy>> make_method_policy(const EngineOptions& options);

}  // namespace afbs::engine
