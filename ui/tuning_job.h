#pragma once

#include <functional>

#include "core/engine/engine_options.h"
#include "core/engine/evaluation_ledger.h"
#include "core/engine/tuning_engine.h"

namespace afbs::ui {

// A whole tuning run as the worker thread executes it: it reports through the observer and
// reads cancel/pause from the control flags. The real job wraps a TuningEngine over a loaded
// model; tests and tools plug in fake ones.
using TuningJob =
    std::function<engine::RunResult(engine::TuningObserver& observer, engine::RunControl control)>;

// Builds a job for the options chosen in the run panel, the pins read from the heatmap at each
// layer start. Returns an empty job when there is nothing to tune (no model loaded).
using TuningJobFactory =
    std::function<TuningJob(const engine::EngineOptions& options, engine::PinSource pins)>;

}  // namespace afbs::ui
