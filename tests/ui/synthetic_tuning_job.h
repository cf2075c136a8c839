#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "core/engine/evaluation_ledger.h"
#include "core/engine/tuning_engine.h"

namespace afbs::ui::testing {

// A run that looks like AFBS-BO from the outside (exploration, τ search, PV search, validation
// per head, a layer result per layer, progress) without a model, for looking at the views.
inline engine::RunResult run_synthetic_tuning(engine::TuningObserver& observer,
                                              engine::RunControl control, engine::PinSource pins,
                                              int layers, int heads, double target_error) {
  std::mt19937 random(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  engine::RunResult result;
  result.status = engine::RunStatus::Succeeded;
  const struct {
    engine::Stage stage;
    int count;
    int length_tokens;
  } stages[] = {{engine::Stage::Exploration, 20, 512},
                {engine::Stage::TauSearch, 8, 1024},
                {engine::Stage::PvSearch, 5, 2048},
                {engine::Stage::Validation, 2, 2048}};
  std::int64_t call = 0;
  for (int layer = 0; layer < layers; ++layer) {
    const engine::PinSnapshot pinned = pins ? pins(layer) : engine::PinSnapshot{};
    observer.on_log("layer " + std::to_string(layer) + ": " + std::to_string(pinned.size()) +
                    " pinned heads");
    engine::LayerResult layer_result;
    layer_result.layer = layer;
    for (int head = 0; head < heads; ++head) {
      engine::HeadResult head_result;
      head_result.head = head;
      if (pinned.count(head) != 0) {
        head_result.setting = pinned.at(head).setting;
        head_result.pinned = true;
        layer_result.heads.push_back(head_result);
        continue;
      }
      // Each head has its own reachable sparsity; deeper layers are sparser.
      const double ceiling = std::clamp(0.35 + 0.08 * layer + 0.4 * unit(random), 0.1, 0.95);
      double best = 0.0;
      for (const auto& stage : stages) {
        for (int i = 0; i < stage.count; ++i) {
          while (control.pause != nullptr && control.pause->load() &&
                 !(control.cancel != nullptr && control.cancel->load()))
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          if (control.cancel != nullptr && control.cancel->load()) {
            result.status = engine::RunStatus::Cancelled;
            return result;
          }
          const double progress = double(i + 1) / stage.count;
          const double spread = stage.stage == engine::Stage::Exploration ? 0.9 : 0.25;
          const double sparsity = std::clamp(
              ceiling * (1.0 - spread * unit(random) * (1.0 - 0.5 * progress)), 0.0, 1.0);
          engine::EvaluationRecord record;
          record.call = call++;
          record.layer = layer;
          record.head = head;
          record.stage = stage.stage;
          record.length_tokens = stage.length_tokens;
          record.tau = 0.5 + 0.5 * unit(random);
          record.theta = 2.0 * unit(random) - 1.0;
          record.lambda = 50.0 * unit(random);
          record.sparsity = sparsity;
          record.error =
              target_error * std::pow(sparsity / ceiling, 3.0) * (0.7 + 0.6 * unit(random));
          record.objective = record.error <= target_error ? sparsity : 0.0;
          best = std::max(best, record.objective);
          observer.on_evaluation(record);
          result.evaluations.push_back(record);
          ++result.counts.evaluations;
        }
      }
      head_result.setting = {0.3 + 0.05 * head, 0.9 - 0.02 * layer, 10.0 + 3.0 * head};
      head_result.sparse = best >= 0.1;
      head_result.sparsity = head_result.sparse ? best : 0.0;
      head_result.error = head_result.sparse ? target_error * (0.5 + 0.4 * unit(random)) : 0.0;
      head_result.meets_target = true;
      head_result.measured = true;
      layer_result.heads.push_back(head_result);
    }
    observer.on_layer_finished(layer_result);
    result.layers.push_back(layer_result);
    engine::Progress progress;
    progress.layers_done = layer + 1;
    progress.layers_total = layers;
    progress.current_layer = layer;
    progress.fraction = double(layer + 1) / layers;
    progress.counts = result.counts;
    progress.elapsed_seconds = 41.0 * (layer + 1);
    progress.eta_seconds = 41.0 * (layers - layer - 1);
    observer.on_progress(progress);
  }
  return result;
}

}  // namespace afbs::ui::testing
