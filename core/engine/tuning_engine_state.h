#pragma once

// The engine's private state, shared by its .cpp files (tuning_engine.cpp, budget_stage.cpp).

#include <vector>

#include "core/engine/afbs_stages.h"
#include "core/engine/baseline_searches.h"
#include "core/engine/tuning_engine.h"

namespace afbs::engine {

// What a run works on, checked once before anything is evaluated.
struct TuningEngine::Plan {
  std::vector<int> layers;
  std::vector<int> ladder;
  std::vector<int> tune_windows;
  std::vector<int> validation_windows;
  int heads = 0;
  int passes = 1;  // scheduler passes per layer, for progress
};

// One layer's state across the run (the guard re-enters it).
struct TuningEngine::LayerRun {
  int layer = 0;
  PinSnapshot pins;
  std::vector<AfbsHeadState> afbs;
  std::vector<BaselineHeadState> baseline;
};

// Shared helpers of the engine's files.
HeadResult pinned_result(int head, const HeadPin& pin);
EvaluationCounts minus(const EvaluationCounts& a, const EvaluationCounts& b);
std::string format_number(double value);  // %.4g

}  // namespace afbs::engine
