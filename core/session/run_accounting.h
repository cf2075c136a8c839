#pragma once

// Where one tuning run's time and memory went, as afbs-tune and afbs-bench report it
// (BENCHMARKS.md B5): wall seconds per phase, evaluations, peak host and device memory and
// the GPU's busy share. Built from what the session, the engine and the evaluator measured.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/engine/tuning_engine.h"
#include "core/session/tuning_session.h"

namespace afbs {

struct RunAccounting {
  // Phases, wall seconds. They add up to `total` (= prepare + run + write): `other` is what
  // no timer claimed (tokenising, the engine's bookkeeping, observers, building the config).
  double load = 0.0;             // model, tokenizer, text
  double capture = 0.0;          // Q/K/V capture, up front or streamed
  double reference = 0.0;        // the evaluator's dense references and predictor preparation
  double predict = 0.0;          // block masks per setting
  double attend = 0.0;           // sparse attention and its error sums
  double evaluator_other = 0.0;  // evaluator calls outside the three above
  double optimiser = 0.0;        // head tasks: ask/tell, GP fits, bisection steps
  double guard = 0.0;            // end-to-end perplexity passes (guard, budget stage)
  double io = 0.0;               // journal appends and the config/CSV writes
  double other = 0.0;
  double total = 0.0;
  int64_t evaluations = 0;
  int64_t replayed = 0;          // from a journal (their seconds are the journal's)
  double peak_host_bytes = 0.0;  // the process's peak resident set, its load included
  // Resident set after the model's load, and its peak from then on (capture and tuning
  // alone); nullopt where Linux's /proc did not tell.
  std::optional<double> host_after_load_bytes, peak_host_after_load_bytes;
  std::optional<double> peak_device_bytes;  // CUDA caching allocator's peak; none: not measured
  // The evaluator's device time over the tuning's wall time (the run less the guard): an
  // upper bound of the GPU's busy share while tuning, from synchronised timings; none on a CPU.
  std::optional<double> gpu_busy_fraction;
  int64_t peak_capture_bytes = 0;  // bytes of Q/K/V captures held at once, host and device
  int capture_passes = 0;          // streamed passes from the embedding
  int64_t layer_forwards = 0;      // streamed window × layer steps
};

// What a session spent between two readings of its costs (one run of a session that lives
// on, as in the workbench): seconds, passes and layer steps are differences; the peaks are
// `after`'s (a peak cannot be split).
SessionCosts costs_since(const SessionCosts& before, const SessionCosts& after);

// `prepare_seconds`, `run_seconds`, `write_seconds`: the caller's wall clock around
// TuningSession::prepare, run and the config write.
RunAccounting account_run(const SessionCosts& costs, const engine::RunResult& run,
                          double prepare_seconds, double run_seconds, double write_seconds);

// {"load": …, "capture": …, …, "total": …}: the phases only.
nlohmann::ordered_json phase_seconds_json(const RunAccounting& accounting);
// Phases, memory and busy share, one key each (nulls where not measured).
nlohmann::ordered_json accounting_json(const RunAccounting& accounting);
// Two lines of text: phases, then memory.
std::string accounting_text(const RunAccounting& accounting);

}  // namespace afbs
