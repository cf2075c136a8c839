#pragma once

// Rungs numbered by the sequence lengths a set of evaluations ran at, shortest first (1, 2, …):
// the rung the evaluations table and the head inspector show.

#include <map>
#include <vector>

#include "core/engine/tuning_observer.h"

namespace afbs::ui {

inline std::map<int, int> rung_numbers(const std::vector<engine::EvaluationRecord>& records) {
  std::map<int, int> rung_of;
  for (const engine::EvaluationRecord& record : records)
    rung_of[record.length_tokens] = 0;
  int rung = 0;
  for (auto& entry : rung_of)
    entry.second = ++rung;
  return rung_of;
}

}  // namespace afbs::ui
