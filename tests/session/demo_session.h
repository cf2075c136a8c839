#pragma once

// The session suites' common setup: the bundled demo model and text, in tiny windows.

#include <optional>

#include "core/common/resource_paths.h"
#include "core/session/tuning_session.h"

namespace afbs::testing {

// One tune and one validation window, fidelities 128 and 256, layer 5 tuned; each suite
// changes what it needs. nullopt when the demo model is not present (the suite skips).
inline std::optional<SessionOptions> demo_session_options() {
  auto model = find_demo_model();
  auto root = find_resource_root();
  if (!model || !root) return std::nullopt;
  SessionOptions options;
  options.model_dir = *model;
  options.text = *root / "data" / "kjv-validation.txt";
  options.tune_windows = 1;
  options.validation_windows = 1;
  options.engine.fidelity_lengths = {128, 256};
  options.engine.layers = {5};
  return options;
}

}  // namespace afbs::testing
