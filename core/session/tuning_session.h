#pragma once

// One tuning session on a real model (DESIGN.md §3): load the model, tokenise the
// calibration text, capture Q/K/V on tune and validation windows at the top fidelity (layer by
// layer as the engine reaches them, by default), then run the engine over the cached
// sparse-attention evaluator. The CLI (`afbs-tune tune`) and
// the workbench's worker both drive this class. Torch-free header.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/attention/block_shape.h"
#include "core/attention/evaluation_counts.h"
#include "core/attention/head_picture.h"
#include "core/attention/sparse_config.h"
#include "core/common/result.h"
#include "core/common/stop_flags.h"
#include "core/engine/engine_options.h"
#include "core/engine/perplexity_guard.h"
#include "core/engine/phase_progress.h"
#include "core/engine/tuning_engine.h"

namespace afbs {

struct SessionOptions {
  std::filesystem::path model_dir;
  std::string device = "cpu";     // cpu, cuda, cuda:N: the model's and the evaluator's attention
  std::string evaluator_device;   // the evaluator's attention elsewhere (empty: `device`)
  bool evaluator_kernels = true;  // on CUDA: our kernels (false: the whole-tensor ATen path)
  // Streaming capture (DESIGN.md §3): a layer's Q/K/V are captured for every window when a
  // run first evaluates that layer, and the layer before is freed; each window's residual
  // stream is kept between layers, so nothing is recomputed and nothing past the last layer
  // tuned is run; a run that goes back to an earlier layer re-streams from the embedding.
  // Memory: one layer's captures, whatever the number of layers. Off: prepare() and
  // recapture() capture every layer of every window up front (the reference path).
  bool stream_layers = true;
  std::string dtype;           // f32, bf16, f16; empty: the model's default for the device
  std::filesystem::path text;  // calibration text (one token stream)
  bool bos = false;            // prepend BOS to the stream
  int tune_windows = 2;        // windows of n_F tokens the engine tunes on
  int validation_windows = 2;  // held-out windows every tuned head must pass
  int max_top_length = 4096;   // n_F: the largest multiple of 64 the model and text allow
  bool perplexity_guard = true;
  // Windows of n_F after the calibration windows that the guard and a perplexity budget
  // measure as well (more tokens: less room for a budget to fit the calibration windows' noise).
  int guard_windows = 0;
  // After a successful run, measure perplexity dense and tuned at every ladder length and
  // report each as a QualityPoint to the run's observer (the workbench's Quality tab).
  bool measure_quality = false;
  // The guard's and the budget's perplexity of a config already measured in this session is
  // answered from memory (same heads' settings, same windows, same model: the same number).
  // For benchmarks that run many budgets on one session (afbs-bench frontier); the engine
  // still counts and journals every measurement.
  bool remember_perplexity = false;
  // fidelity_lengths empty: n_F/4, n_F/2, n_F. blocks: the shape captured for, evaluated and
  // written into every config (the guard's forward runs it too).
  engine::EngineOptions engine;
};

// Where a session's time and memory went since prepare() (issue 11's accounting).
struct SessionCosts {
  double load_seconds = 0.0;     // model, tokenizer and calibration text
  double capture_seconds = 0.0;  // Q/K/V capture: up front, or streamed during runs
  int capture_passes = 0;        // streaming: passes started from the embedding
  int64_t layer_forwards = 0;    // streaming: window × layer steps run
  EvaluatorSeconds evaluator;    // reference outputs, mask prediction, sparse attention
  // Host memory (Linux): the process's peak resident set up to the end of the load, and its
  // resident set then; prepare() resets the peak mark after the load, so that the peak read
  // later (peak_resident_bytes()) is capture's and tuning's alone. nullopt: not measured.
  std::optional<int64_t> peak_resident_at_load_bytes, resident_after_load_bytes;
  bool peak_reset_after_load = false;
  int64_t peak_capture_bytes = 0;            // host bytes of captures held at once, at most
  std::optional<int64_t> peak_device_bytes;  // CUDA allocator's peak; nullopt: not measured
};

class TuningSession {
 public:
  using Log = std::function<void(const std::string&)>;

  // Loads, tokenises and (stream_layers off) captures. Errors name the file or setting at
  // fault; a cancel in `stop` (read between the load and capture steps and before each
  // captured window) returns the error "cancelled". `phases` hears of the capture's progress.
  static Result<std::unique_ptr<TuningSession>> prepare(const SessionOptions& options,
                                                        const Log& log = {}, StopFlags stop = {},
                                                        engine::PhaseObserver* phases = nullptr);
  ~TuningSession();

  // Captures Q/K/V anew for another fidelity ladder (empty: the default for the model and
  // text) and block shape (64x64, 128x64 or 64x128), keeping the loaded model and tokens;
  // streaming, the captures start afresh at the next run. A ladder the model or text cannot hold is
  // refused with the session unchanged; if capturing itself fails, the old captures are gone (freed
  // first: they can be large) and runs fail until a recapture succeeds.
  Status recapture(const std::vector<int>& fidelity_lengths, BlockShape blocks, const Log& log = {},
                   StopFlags stop = {}, engine::PhaseObserver* phases = nullptr);

  SessionCosts costs() const;
  const ModelIdentity& identity() const;
  const std::vector<int>& ladder() const;
  BlockShape blocks() const;  // what the captures are evaluated with
  int64_t calibration_tokens() const;

  // Runs the engine to its end, a cancel or an error (never throws), with the options the
  // session was prepared with, or with `options` (method, targets, layers, seed...; the
  // fidelity ladder and block shape stay the session's, since the captures were made for them).
  // `control` also stops and pauses streamed capture, the perplexity guard and the quality pass,
  // window by window; an observer that is also an engine::PhaseObserver hears of their progress (a
  // streamed layer's as "capture Q/K/V of layer L").
  engine::RunResult run(engine::TuningObserver* observer, engine::RunControl control = {},
                        engine::PinSource pins = {});
  engine::RunResult run(const engine::EngineOptions& options, engine::TuningObserver* observer,
                        engine::RunControl control = {}, engine::PinSource pins = {});

  // The config a run produced: tuned layers as tuned, every other layer dense.
  Result<SparseConfig> config_from(const engine::RunResult& run) const;

  // Perplexity over the calibration windows at n_F (the guard's: tune, validation and guard
  // windows) with `config` (nullptr: dense).
  Result<double> perplexity(const SparseConfig* config) const;

  // The same tokens in windows of `length_tokens`: perplexity, and the mean sparsity that ran.
  struct Measured {
    double perplexity = 0.0;
    double sparsity = 0.0;
  };
  // Each window's progress goes to `progress` (windows done, in the pass, seconds).
  Result<Measured> measure(const SparseConfig* config, int64_t length_tokens, StopFlags stop = {},
                           const std::function<void(int, int, double)>& progress = {}) const;
  // Held out from everything the engine saw: up to `max_windows` windows of n_F tokens that
  // follow the calibration and guard windows in the text (errors when none is left over).
  Result<Measured> measure_held_out(const SparseConfig* config, int64_t max_windows) const;

  // One QualityPoint per ladder length for `run`'s config; stops early on a cancel.
  Status report_quality(const engine::RunResult& run, engine::TuningObserver& observer,
                        engine::RunControl control) const;

  // One head's block picture (head_picture.h) at each rung of the ladder, shortest first, with
  // `setting`, on the first tune window's capture. Streaming, the layer is captured first if it
  // is not the one held (`stop` cancels that). Errors name the layer, head or capture at fault.
  Result<std::vector<HeadPicture>> picture_head(int layer, int head, const HeadSetting& setting,
                                                StopFlags stop = {});

  // Perplexity passes over the calibration span still to come after a guard pass (`guard_pass`
  // 0 is the dense one) when `quality` follows: what a phase's ETA adds to its own rest.
  int passes_after_guard(int guard_pass, bool quality) const;

 private:
  SparseConfig dense_config() const;
  int measured_windows() const;  // tune + validation + guard windows
  // `pass`: the guard passes counted so far (-1 before the dense one); shared with the caller.
  engine::GuardText guard_text(StopFlags stop, engine::PhaseObserver* phases,
                               std::shared_ptr<int> pass = nullptr) const;

  struct State;
  explicit TuningSession(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace afbs
