#pragma once

#include <vector>

#include "core/attention/sparse_config.h"
#include "core/engine/tuning_engine.h"

namespace afbs::engine {

// Writes what `run` tuned into `config`: each tuned head's θ, τ, λ, sparse flag, pinned flag
// and measured sparsity/error; heads of layers the run did not tune are left as they were.
// Sets the tuning summary (method, targets in force, ladder, counts). `config` must already
// have the model's layers × heads (SparseConfig::uniform, or a config read from a file).
// An error names the layer or head that does not fit.
Status apply_run_to_config(const RunResult& run, const std::vector<int>& ladder,
                           SparseConfig& config);

// The pinned heads of `config` as the engine's PinSource (each layer's pins, read when the
// layer starts). The config is copied: later edits to the caller's copy do not show.
PinSource pins_from_config(const SparseConfig& config);

}  // namespace afbs::engine
