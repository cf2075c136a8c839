#pragma once

#include <chrono>
#include <thread>

#include "core/engine/evaluation_ledger.h"
#include "core/engine/tuning_engine.h"

namespace afbs::ui::testing {

// A record whose fields all derive from i, so a receiver can check it arrived intact.
inline engine::EvaluationRecord numbered_record(int i, int layer = 0, int head = 0) {
  engine::EvaluationRecord record;
  record.call = i;
  record.layer = layer;
  record.head = head;
  record.stage = static_cast<engine::Stage>(i % 4);
  record.length_tokens = 256 << (i % 3);
  record.theta = -1.0 + (i % 200) * 0.01;
  record.tau = (i % 100) * 0.01;
  record.lambda = i % 50;
  record.sparsity = (i % 1000) / 1000.0;
  record.error = (i % 97) / 970.0;
  record.objective = record.error < 0.05 ? record.sparsity : 0.0;
  record.elapsed_seconds = i * 0.001;
  return record;
}

// Reports `count` records, checking the flags between evaluations the way the engine does.
// With count < 0 it runs until cancelled.
inline engine::RunResult run_numbered_job(engine::TuningObserver& observer,
                                          engine::RunControl control, int count) {
  engine::RunResult result;
  for (int i = 0; count < 0 || i < count; ++i) {
    while (control.pause != nullptr && control.pause->load() && !control.cancel->load())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (control.cancel != nullptr && control.cancel->load()) {
      result.status = engine::RunStatus::Cancelled;
      result.message = "cancelled";
      return result;
    }
    const engine::EvaluationRecord record = numbered_record(i);
    observer.on_evaluation(record);
    result.evaluations.push_back(record);
    ++result.counts.evaluations;
    if (count < 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  result.status = engine::RunStatus::Succeeded;
  return result;
}

}  // namespace afbs::ui::testing
