#include "core/session/tuning_session.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>

#include "core/attention/attention_evaluator.h"
#include "core/attention/block_geometry.h"
#include "core/attention/cuda_device_stats.h"
#include "core/attention/head_picture_builder.h"
#include "core/attention/sparse_layer_attention.h"
#include "core/common/atomic_file.h"
#include "core/common/host_memory.h"
#include "core/engine/attention_layer_evaluator.h"
#include "core/engine/perplexity_guard.h"
#include "core/engine/run_config.h"
#include "core/eval/perplexity.h"
#include "core/eval/qkv_capture.h"
#include "core/model/model.h"
#include "core/model/sparse_support.h"
#include "core/session/layer_stream.h"
#include "core/session/model_identity.h"
#include "core/tokenizer/tokenizer.h"

namespace afbs {

struct TuningSession::State {
  SessionOptions options;
  std::unique_ptr<Model> model;
  ModelIdentity identity;
  std::vector<int32_t> tokens;  // the calibration text, BOS not included
  int64_t bos_id = -1;
  int top_length = 0;
  std::vector<int> ladder;
  BlockShape blocks;  // the captures' evaluator's; set with the ladder
  std::vector<int> tune_windows, validation_windows;
  std::unique_ptr<AttentionEvaluator> attention;
  std::unique_ptr<LayerStream> stream;  // stream_layers: feeds `attention` layer by layer
  std::unique_ptr<engine::AttentionLayerEvaluator> evaluator;
  // The run in progress: what streamed capture reads for cancel and reports progress to.
  StopFlags run_stop;
  engine::PhaseObserver* run_phases = nullptr;
  // Accounting; what evaluators and streams of earlier captures spent is folded in here.
  SessionCosts costs;
  // remember_perplexity: perplexity by the heads' settings of a config (perplexity_key).
  std::map<std::string, double> remembered_perplexity;
  // The calibration windows' dense perplexity, scored by the capture's own forward (whole
  // capture, guard on, no guard windows): the guard's dense pass then costs nothing.
  std::optional<double> captured_dense_perplexity;

  void drop_captures() {
    captured_dense_perplexity.reset();
    if (attention) {
      const EvaluatorSeconds spent = attention->seconds();
      costs.evaluator.reference += spent.reference;
      costs.evaluator.predict += spent.predict;
      costs.evaluator.attend += spent.attend;
      costs.evaluator.device += spent.device;
      costs.peak_capture_bytes =
          std::max(costs.peak_capture_bytes, attention->peak_capture_bytes());
    }
    if (stream) {
      costs.capture_seconds += stream->seconds();
      costs.capture_passes += stream->passes();
      costs.layer_forwards += stream->layer_forwards();
    }
    evaluator.reset();
    stream.reset();
    attention.reset();
  }
};

namespace {

// Tells `phases` (when there is one) how far a pass of `total` windows is, and what is left of
// it and of the `passes_after` passes of the same size that follow it.
void report_phase(engine::PhaseObserver* phases, const std::string& phase, int done, int total,
                  double seconds, int passes_after) {
  if (phases == nullptr) return;
  engine::PhaseProgress progress;
  progress.phase = phase;
  progress.done = done;
  progress.total = total;
  progress.elapsed_seconds = seconds;
  if (done > 0 && total > 0) {
    const double per_window = seconds / done;
    progress.eta_seconds = per_window * (total - done) + per_window * total * passes_after;
  }
  phases->on_phase(progress);
}

// After an out-of-memory error the allocator's cache goes back to the device, so that a retry
// at a lower setting (in the workbench: the same process) starts from what is free.
const Error& released_if_out_of_memory(const Error& error) {
  if (error.out_of_memory) release_cached_device_memory();
  return error;
}

// No sparse head (pinned or tuned): the config the guard measures is the dense model.
bool every_head_dense(const std::vector<engine::LayerResult>& layers) {
  for (const engine::LayerResult& layer : layers) {
    for (const engine::HeadResult& head : layer.heads)
      if (head.sparse) return false;
  }
  return true;
}

// What perplexity depends on in a guard measurement: every head's setting (the rest of the
// config, the model and the windows are the session's own).
std::string perplexity_key(const std::vector<engine::LayerResult>& layers) {
  std::string key;
  char text[160];
  for (const engine::LayerResult& layer : layers) {
    for (const engine::HeadResult& head : layer.heads) {
      const HeadSetting& s = head.setting;
      std::snprintf(text, sizeof text, "%d.%d:%d%d%d:%.17g,%.17g,%.17g,%.17g;", layer.layer,
                    head.head, static_cast<int>(s.rule), head.sparse ? 1 : 0, head.pinned ? 1 : 0,
                    s.theta, s.tau, s.lambda, s.rule_parameter);
      key += text;
    }
  }
  return key;
}

double seconds_since(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

// The larger CUDA allocator peak of the model's device and the evaluator's (the same one,
// usually); nullopt where neither is a CUDA device or libtorch has no CUDA.
std::optional<int64_t> device_peak_bytes(const SessionOptions& o) {
  std::optional<int64_t> peak;
  for (const std::string& device : {o.device, o.evaluator_device}) {
    const auto p = cuda_peak_allocated_bytes(device);
    if (p && (!peak || *p > *peak)) peak = p;
  }
  return peak;
}

void keep_larger(std::optional<int64_t>& kept, std::optional<int64_t> peak) {
  if (peak && (!kept || *peak > *kept)) kept = peak;
}

}  // namespace

TuningSession::TuningSession(std::unique_ptr<State> state) : state_(std::move(state)) {}
TuningSession::~TuningSession() = default;

Result<std::unique_ptr<TuningSession>> TuningSession::prepare(const SessionOptions& options,
                                                              const Log& log, StopFlags stop,
                                                              engine::PhaseObserver* phases) {
  auto say = [&](const std::string& line) {
    if (log) log(line);
  };
  const auto load_started = std::chrono::steady_clock::now();
  auto state = std::make_unique<State>();
  state->options = options;
  if (options.tune_windows < 1 || options.validation_windows < 1) {
    return Error{"--tune-windows and --validation-windows must each be at least 1"};
  }
  if (options.guard_windows < 0) return Error{"--guard-windows must not be negative"};

  say("loading " + options.model_dir.string());
  report_phase(phases, "load model", 0, 1, 0.0, 0);
  if (stop.wait_while_paused()) return Error{"cancelled"};
  ModelOptions model_options;
  model_options.device = options.device;
  model_options.dtype = options.dtype;
  auto model = Model::load(options.model_dir, model_options);
  if (!model) return model.error();
  state->model = std::move(*model);
  const ModelConfig& config = state->model->config();
  auto identity = identify_model(options.model_dir, config);
  if (!identity) return identity.error();
  state->identity = *identity;

  if (stop.wait_while_paused()) return Error{"cancelled"};
  auto tokenizer = load_tokenizer(options.model_dir);
  if (!tokenizer) return tokenizer.error();
  auto text = read_file_bytes(options.text);
  if (!text) return with_context("calibration text", text.error());
  if (text->empty()) return Error{options.text.string() + ": the calibration text is empty"};
  state->tokens = (*tokenizer)->encode(*text);
  state->bos_id = (*tokenizer)->bos_id();
  if (options.bos && state->bos_id < 0) {
    return Error{"--bos: the tokenizer of " + options.model_dir.string() + " has no BOS token"};
  }
  state->costs.load_seconds = seconds_since(load_started);
  state->costs.peak_resident_at_load_bytes = peak_resident_bytes();
  state->costs.resident_after_load_bytes = resident_bytes();
  state->costs.peak_reset_after_load = reset_peak_resident_bytes();
  auto session = std::unique_ptr<TuningSession>(new TuningSession(std::move(state)));
  if (Status captured = session->recapture(options.engine.fidelity_lengths, options.engine.blocks,
                                           log, stop, phases);
      !captured) {
    return released_if_out_of_memory(captured.error());
  }
  return session;
}

Status TuningSession::recapture(const std::vector<int>& fidelity_lengths, BlockShape blocks,
                                const Log& log, StopFlags stop, engine::PhaseObserver* phases) {
  if (!blocks.supported()) {
    return Error{"block shape " + blocks.text() + ": the kernels support 64x64, 128x64 and 64x128"};
  }
  const SessionOptions& options = state_->options;
  const ModelConfig& config = state_->model->config();
  std::vector<int32_t> stream = state_->tokens;
  if (options.bos) stream.insert(stream.begin(), static_cast<int32_t>(state_->bos_id));

  // n_F: as long as the model, the caller and the text allow, in whole blocks.
  const int windows = options.tune_windows + options.validation_windows;
  const int windows_read = windows + options.guard_windows;  // the guard reads these too
  std::vector<int> ladder = fidelity_lengths;
  std::sort(ladder.begin(), ladder.end());
  int top = ladder.empty() ? 0 : ladder.back();
  if (top == 0) {
    const int64_t by_text = static_cast<int64_t>(stream.size()) / windows_read;
    top = static_cast<int>(
        std::min<int64_t>({config.max_position_embeddings, options.max_top_length, by_text}));
    top = top / 64 * 64;
    ladder = engine::default_fidelity_ladder(top, 64);
  }
  // Long ladders (8k/16k/32k and beyond) are fine wherever the model's context holds n_F.
  if (top > config.max_position_embeddings) {
    return Error{"fidelity " + std::to_string(top) + " exceeds the model's context of " +
                 std::to_string(config.max_position_embeddings) + " tokens (" +
                 "max_position_embeddings in " + (options.model_dir / "config.json").string() +
                 ")"};
  }
  if (top < 64 || static_cast<int64_t>(top) * windows_read > static_cast<int64_t>(stream.size())) {
    return Error{options.text.string() + ": " + std::to_string(stream.size()) +
                 " tokens are too few for " + std::to_string(windows_read) + " windows of " +
                 std::to_string(std::max(top, 64)) +
                 " tokens (use a longer text, fewer "
                 "windows or lower fidelities)"};
  }
  // Gemma 2's head size and soft cap, or a sliding window shorter than n_F: refused by name.
  if (Status supported = sparse_attention_supported(config, top); !supported) {
    return supported.error();
  }

  std::vector<int64_t> window_ids;
  std::vector<int> tune_windows, validation_windows;
  for (int w = 0; w < windows; ++w) {
    window_ids.push_back(w);
    (w < options.tune_windows ? tune_windows : validation_windows).push_back(w);
  }
  // The old captures go first (they may be large); on an error below the session has none
  // (and no ladder) until a recapture succeeds.
  state_->drop_captures();
  state_->ladder.clear();
  // The evaluator runs where the model does: on CUDA with our kernels (prediction too).
  AttentionEvaluator::Options evaluator_options;
  evaluator_options.device =
      options.evaluator_device.empty() ? options.device : options.evaluator_device;
  evaluator_options.kernels = options.evaluator_kernels;
  evaluator_options.blocks = blocks;
  auto attention = std::make_unique<AttentionEvaluator>(evaluator_options);
  engine::CalibrationPlan plan;
  plan.layers = static_cast<int>(config.num_layers);
  plan.heads = static_cast<int>(config.num_heads);
  plan.tune_windows = tune_windows;
  plan.validation_windows = validation_windows;
  plan.ladder = ladder;
  auto evaluator = std::make_unique<engine::AttentionLayerEvaluator>(*attention, plan);
  // The windows captured are exactly the guard's when it reads no guard windows: the capture's
  // forward then scores them, and the guard's dense pass is not needed.
  const bool score = options.perplexity_guard && options.guard_windows == 0;

  if (options.stream_layers) {
    if (log) {
      log("Q/K/V of " + std::to_string(windows) + " windows of " + std::to_string(top) +
          " tokens: captured layer by layer as the run reaches them");
    }
    std::vector<LayerStream::Window> stream_windows;
    for (int64_t w : window_ids) {
      stream_windows.push_back(
          {w, std::vector<int32_t>(stream.begin() + w * top, stream.begin() + (w + 1) * top)});
    }
    state_->stream =
        std::make_unique<LayerStream>(*state_->model, *attention, std::move(stream_windows), score);
    State* state = state_.get();
    evaluator->set_layer_preparer([state](int layer) {
      const auto started = std::chrono::steady_clock::now();
      const std::string phase = "capture Q/K/V of layer " + std::to_string(layer);
      return state->stream->bring_to(layer, state->run_stop, [&](int done, int total) {
        report_phase(state->run_phases, phase, done, total, seconds_since(started), 0);
      });
    });
  } else {
    if (log) {
      log("capturing Q/K/V of " + std::to_string(windows) + " windows of " + std::to_string(top) +
          " tokens");
    }
    const auto capture_started = std::chrono::steady_clock::now();
    report_phase(phases, "capture Q/K/V", 0, windows, 0.0, 0);
    auto captures = capture_windows(
        *state_->model, stream, top, window_ids, stop,
        [&](int windows_done) {
          report_phase(phases, "capture Q/K/V", windows_done, windows,
                       seconds_since(capture_started), 0);
        },
        {}, score);
    if (!captures) return captures.error();
    if (score) {
      double nll = 0.0;  // summed in window order, as compute_perplexity sums its forwards
      for (const WindowCapture& capture : *captures)
        nll += capture.nll_sum;
      const double perplexity = windows_perplexity(nll, windows, top);
      if (std::isfinite(perplexity)) state_->captured_dense_perplexity = perplexity;
    }
    if (Status registered = engine::register_captures(*attention, *captures); !registered) {
      return registered.error();
    }
    state_->costs.capture_seconds += seconds_since(capture_started);
  }
  state_->attention = std::move(attention);
  state_->evaluator = std::move(evaluator);
  state_->top_length = top;
  state_->ladder = ladder;
  state_->blocks = blocks;
  state_->tune_windows = tune_windows;
  state_->validation_windows = validation_windows;
  return {};
}

SessionCosts TuningSession::costs() const {
  SessionCosts costs = state_->costs;
  if (state_->attention) {
    const EvaluatorSeconds spent = state_->attention->seconds();
    costs.evaluator.reference += spent.reference;
    costs.evaluator.predict += spent.predict;
    costs.evaluator.attend += spent.attend;
    costs.evaluator.device += spent.device;
    costs.peak_capture_bytes =
        std::max(costs.peak_capture_bytes, state_->attention->peak_capture_bytes());
  }
  if (state_->stream) {
    costs.capture_seconds += state_->stream->seconds();
    costs.capture_passes += state_->stream->passes();
    costs.layer_forwards += state_->stream->layer_forwards();
  }
  keep_larger(costs.peak_device_bytes, device_peak_bytes(state_->options));
  return costs;
}

const ModelIdentity& TuningSession::identity() const {
  return state_->identity;
}
const std::vector<int>& TuningSession::ladder() const {
  return state_->ladder;
}

BlockShape TuningSession::blocks() const {
  return state_->blocks;
}
int64_t TuningSession::calibration_tokens() const {
  return static_cast<int64_t>(state_->tokens.size());
}

engine::RunResult TuningSession::run(engine::TuningObserver* observer, engine::RunControl control,
                                     engine::PinSource pins) {
  return run(state_->options.engine, observer, control, std::move(pins));
}

engine::RunResult TuningSession::run(const engine::EngineOptions& engine_options,
                                     engine::TuningObserver* observer, engine::RunControl control,
                                     engine::PinSource pins) {
  if (!state_->evaluator) {  // a recapture failed: nothing to tune on
    engine::RunResult failed;
    failed.status = engine::RunStatus::Failed;
    failed.message = "no Q/K/V captures: the last recapture failed";
    return failed;
  }
  engine::EngineOptions options = engine_options;
  options.fidelity_lengths = state_->ladder;
  options.blocks = state_->blocks;
  engine::TuningEngine tuning(*state_->evaluator, options);
  tuning.set_observer(observer);
  if (pins) tuning.set_pin_source(std::move(pins));
  const StopFlags stop{control.cancel, control.pause};
  // Streamed capture hears this run's cancel and reports to its observer, for this run only.
  state_->run_stop = stop;
  state_->run_phases = dynamic_cast<engine::PhaseObserver*>(observer);
  struct RunEnd {
    State& state;
    ~RunEnd() {
      state.run_stop = {};
      state.run_phases = nullptr;
    }
  } run_end{*state_};
  if (state_->options.perplexity_guard) {
    auto* phases = dynamic_cast<engine::PhaseObserver*>(observer);
    auto guard_pass = std::make_shared<int>(-1);  // -1: the dense pass has not been measured
    engine::PerplexityMeasure measure = engine::make_perplexity_measure(
        *state_->model, guard_text(stop, phases, guard_pass), dense_config());
    // The dense model's perplexity on these windows, when the capture's forward scored it
    // (whole capture, or a stream that has reached the last layer): no pass of its own.
    measure = [measure = std::move(measure), state = state_.get(),
               guard_pass](const std::vector<engine::LayerResult>& layers) -> Result<double> {
      std::optional<double> dense = state->captured_dense_perplexity;
      if (!dense && state->stream) dense = state->stream->dense_perplexity();
      if (!dense || !every_head_dense(layers)) return measure(layers);
      if (*guard_pass < 0) *guard_pass = 0;  // the next pass measured is a tuned one
      return *dense;
    };
    if (state_->options.remember_perplexity) {
      measure = [measure = std::move(measure), &memory = state_->remembered_perplexity](
                    const std::vector<engine::LayerResult>& layers) -> Result<double> {
        const std::string key = perplexity_key(layers);
        if (auto found = memory.find(key); found != memory.end()) return found->second;
        Result<double> perplexity = measure(layers);
        if (perplexity) memory.emplace(key, *perplexity);
        return perplexity;
      };
    }
    tuning.set_perplexity_measure(std::move(measure));
  }
  engine::RunResult result = tuning.run(control);
  if (result.out_of_memory) release_cached_device_memory();
  if (result.status == engine::RunStatus::Failed && stop.cancelled()) {
    // Stopped inside the guard's perplexity pass: a cancel, not a failure.
    result.status = engine::RunStatus::Cancelled;
    result.message = "cancelled";
  }
  if (state_->options.measure_quality && observer != nullptr &&
      result.status == engine::RunStatus::Succeeded) {
    if (Status measured = report_quality(result, *observer, control); !measured) {
      observer->on_log("quality not measured: " + measured.error().message);
    } else if (stop.cancelled()) {
      observer->on_log("quality pass cancelled; the tuned result stands");
    }
  }
  return result;
}

int TuningSession::measured_windows() const {
  const SessionOptions& o = state_->options;
  return o.tune_windows + o.validation_windows + o.guard_windows;
}

SparseConfig TuningSession::dense_config() const {
  HeadConfig dense;
  dense.sparse = false;
  SparseConfig config = SparseConfig::uniform(state_->identity, dense);
  config.blocks = state_->blocks;  // every config of this session has its block shape
  return config;
}

Result<std::vector<HeadPicture>> TuningSession::picture_head(int layer, int head,
                                                             const HeadSetting& setting,
                                                             StopFlags stop) {
  const std::string where =
      "head picture of layer " + std::to_string(layer) + ", head " + std::to_string(head);
  if (!state_->attention || state_->tune_windows.empty()) {
    return Error{where + ": no Q/K/V captured (a recapture failed): start a run"};
  }
  if (layer < 0 || layer >= state_->identity.layers) {
    return Error{where + ": the model has " + std::to_string(state_->identity.layers) + " layers"};
  }
  if (state_->stream) {
    if (Status brought = state_->stream->bring_to(layer, stop); !brought) {
      return with_context(where, brought.error());
    }
  }
  auto tensors = state_->attention->captured(layer, state_->tune_windows.front());
  if (!tensors) return with_context(where, tensors.error());
  std::vector<HeadPicture> pictures;
  for (int length : state_->ladder) {
    auto picture = afbs::picture_head(tensors->q, tensors->k, tensors->v, head, setting, length,
                                      state_->attention->options().blocks);
    if (!picture) return with_context("layer " + std::to_string(layer), picture.error());
    pictures.push_back(std::move(*picture));
  }
  return pictures;
}

int TuningSession::passes_after_guard(int guard_pass, bool quality) const {
  const int quality_passes = quality ? 2 * static_cast<int>(state_->ladder.size()) - 1 : 0;
  return (guard_pass == 0 ? 1 : 0) + quality_passes;
}

engine::GuardText TuningSession::guard_text(StopFlags stop, engine::PhaseObserver* phases,
                                            std::shared_ptr<int> pass) const {
  engine::GuardText text;
  text.stop = stop;
  if (phases != nullptr) {
    // The measure is called once per guard pass, the dense one first (unless the capture
    // scored it: then the caller has moved `pass` on to 0).
    if (!pass) pass = std::make_shared<int>(-1);
    const bool quality = state_->options.measure_quality;
    // A pass starts with its first report (one window, or a batch of them) and ends with
    // done == total.
    auto in_pass = std::make_shared<bool>(false);
    text.progress = [this, phases, pass, in_pass, quality](int done, int total, double seconds) {
      if (!*in_pass) ++*pass;
      *in_pass = done < total;
      const std::string phase = *pass == 0
                                    ? "guard: dense perplexity"
                                    : "guard round " + std::to_string(*pass) + ": tuned perplexity";
      report_phase(phases, phase, done, total, seconds, passes_after_guard(*pass, quality));
    };
  }
  text.tokens = state_->tokens;
  text.window_tokens = state_->top_length;
  text.max_windows = measured_windows();
  text.prepend_bos = state_->options.bos;
  text.bos_id = state_->bos_id;
  return text;
}

Result<SparseConfig> TuningSession::config_from(const engine::RunResult& run) const {
  SparseConfig config = dense_config();
  if (Status applied = engine::apply_run_to_config(run, state_->ladder, config); !applied) {
    return applied.error();
  }
  return config;
}

Result<double> TuningSession::perplexity(const SparseConfig* config) const {
  auto measured = measure(config, state_->top_length);
  if (!measured) return measured.error();
  return measured->perplexity;
}

Result<TuningSession::Measured> TuningSession::measure(
    const SparseConfig* config, int64_t length_tokens, StopFlags stop,
    const std::function<void(int, int, double)>& progress) const {
  PerplexityOptions options;
  options.stop = stop;
  options.window_tokens = length_tokens;
  options.prepend_bos = state_->options.bos;
  options.bos_id = state_->bos_id;
  // The calibration windows' tokens, cut into windows of `length_tokens`: every length reads
  // the same text, so lengths differ only in how much context each token sees.
  const int64_t calibration_span = static_cast<int64_t>(state_->top_length) * measured_windows();
  options.max_windows = std::max<int64_t>(1, calibration_span / length_tokens);
  std::unique_ptr<SparseLayerAttention> sparse;
  if (config) {
    sparse = std::make_unique<SparseLayerAttention>(*config, &state_->model->dense_attention());
    options.attention = sparse.get();
  }
  std::function<void(const PerplexityProgress&)> on_window;
  if (progress) {
    on_window = [&progress](const PerplexityProgress& p) {
      progress(static_cast<int>(p.windows_done), static_cast<int>(p.windows_total), p.seconds);
    };
  }
  auto result = compute_perplexity(*state_->model, state_->tokens, options, on_window);
  if (!result) return released_if_out_of_memory(result.error());
  return Measured{result->perplexity, sparse ? sparse->mean_sparsity() : 0.0};
}

Result<TuningSession::Measured> TuningSession::measure_held_out(const SparseConfig* config,
                                                                int64_t max_windows) const {
  const int64_t calibration_span = static_cast<int64_t>(state_->top_length) * measured_windows();
  const int64_t left = static_cast<int64_t>(state_->tokens.size()) - calibration_span;
  if (left < state_->top_length) {
    return Error{state_->options.text.string() + ": no window of " +
                 std::to_string(state_->top_length) +
                 " tokens is left after the calibration windows for a held-out measurement"};
  }
  const std::vector<int32_t> tail(state_->tokens.begin() + calibration_span, state_->tokens.end());
  PerplexityOptions options;
  options.window_tokens = state_->top_length;
  options.max_windows = std::max<int64_t>(1, max_windows);
  options.prepend_bos = state_->options.bos;
  options.bos_id = state_->bos_id;
  std::unique_ptr<SparseLayerAttention> sparse;
  if (config) {
    sparse = std::make_unique<SparseLayerAttention>(*config, &state_->model->dense_attention());
    options.attention = sparse.get();
  }
  auto result = compute_perplexity(*state_->model, tail, options);
  if (!result) return released_if_out_of_memory(result.error());
  return Measured{result->perplexity, sparse ? sparse->mean_sparsity() : 0.0};
}

Status TuningSession::report_quality(const engine::RunResult& run, engine::TuningObserver& observer,
                                     engine::RunControl control) const {
  auto config = config_from(run);
  if (!config) return config.error();
  const ModelIdentity& model = state_->identity;
  const StopFlags stop{control.cancel, control.pause};
  auto* phases = dynamic_cast<engine::PhaseObserver*>(&observer);
  // Passes still to come, this one included: one dense and one tuned per length, less the
  // dense one at n_F when the guard measured it.
  int passes_left =
      2 * static_cast<int>(state_->ladder.size()) - (run.perplexity_dense.has_value() ? 1 : 0);
  const auto pass = [&](const SparseConfig* measured, int length) {
    const std::string phase = "quality at " + std::to_string(length) +
                              " tokens: " + (measured ? "tuned" : "dense") + " perplexity";
    --passes_left;
    return measure(measured, length, stop, [&](int done, int total, double seconds) {
      report_phase(phases, phase, done, total, seconds, passes_left);
    });
  };
  const SessionOptions& options = state_->options;
  for (int length : state_->ladder) {
    if (stop.cancelled()) return {};
    observer.on_log("quality: perplexity dense and tuned at " + std::to_string(length) + " tokens");
    // The device's peak is measured per length: reset before its passes, read after. The peak
    // so far goes into the session's costs first, so the run's accounting still counts it.
    keep_larger(state_->costs.peak_device_bytes, device_peak_bytes(options));
    for (const std::string& device : {options.device, options.evaluator_device})
      reset_cuda_peak_allocated_bytes(device);
    // At n_F the guard has measured the dense model already, on the same windows.
    const bool guard_measured = length == state_->top_length && run.perplexity_dense.has_value();
    auto dense = guard_measured ? Result<Measured>(Measured{*run.perplexity_dense, 0.0})
                                : pass(nullptr, length);
    if (!dense && stop.cancelled()) return {};
    if (!dense) return dense.error();
    auto tuned = pass(&*config, length);
    if (!tuned && stop.cancelled()) return {};
    if (!tuned) return tuned.error();
    const BlockGeometry geometry(length, config->blocks);
    const double kv_bytes = static_cast<double>(geometry.causal_blocks() * config->blocks.key *
                                                model.head_dim * model.heads * model.layers) *
                            2.0 /* K and V */ * 2.0 /* bytes per element */;
    engine::QualityPoint point;
    point.length_tokens = length;
    point.perplexity_dense = dense->perplexity;
    point.perplexity_tuned = tuned->perplexity;
    point.sparsity_tuned = tuned->sparsity;
    point.kv_bytes_dense = kv_bytes;
    point.kv_bytes_tuned = kv_bytes * (1.0 - tuned->sparsity);
    if (const auto peak = device_peak_bytes(options)) {
      point.peak_device_bytes = static_cast<double>(*peak);
      keep_larger(state_->costs.peak_device_bytes, peak);
    }
    observer.on_quality(point);
  }
  return {};
}

}  // namespace afbs
