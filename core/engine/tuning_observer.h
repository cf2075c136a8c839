#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/engine/layer_evaluator.h"

namespace afbs::engine {

// Which part of a method asked for an evaluation. Budget marks the journal's lines of
// end-to-end perplexity measurements (the guard's and the budget search's): they are not
// head evaluations and never reach the observer or the counts.
enum class Stage { Exploration, TauSearch, PvSearch, Validation, Grid, Random, Budget };

// "explore", "tau", "pv", "validate", "grid", "random", "budget"
const char* stage_name(Stage stage);
bool parse_stage(const std::string& name, Stage* stage);

// One head scored once: the unit that every count is made of. Plain value, safe to copy
// across threads.
struct EvaluationRecord {
  std::int64_t call = 0;  // index of the batched evaluator call it came from
  int layer = 0;
  int head = 0;
  Stage stage = Stage::Exploration;
  int length_tokens = 0;  // fidelity
  int window = 0;
  double theta = 0.0;
  double tau = 0.0;
  double lambda = 0.0;
  double sparsity = 0.0;
  double error = 0.0;
  double skip_rate = 0.0;
  double objective = 0.0;        // sparsity when the error meets the stage's target, else 0
  double seconds = 0.0;          // this head's share of the call's wall time
  double elapsed_seconds = 0.0;  // since the run started, resumed runs included
};

// The tuned state of one head.
struct HeadResult {
  int head = 0;
  HeadSetting setting;
  bool sparse = false;
  bool pinned = false;
  bool measured = false;  // sparsity/error below come from validation windows
  double sparsity = 0.0;  // mean over validation windows at the top fidelity
  double error = 0.0;     // worst validation window
  double skip_rate = 0.0;
  bool meets_target = false;  // every validation window within ε2 (dense heads: true)
  std::string note;           // why a head went dense, in words
};

struct EvaluationCounts {
  std::int64_t evaluations = 0;
  double weighted_evaluations = 0.0;  // each weighted by (n / n_F)^2
  double seconds = 0.0;               // evaluator wall time (journal time for replayed ones)
  std::int64_t replayed = 0;          // how many came from the journal on resume
};

struct LayerResult {
  int layer = 0;
  std::vector<HeadResult> heads;
  EvaluationCounts counts;  // spent on this layer
};

struct Progress {
  int layers_done = 0;
  int layers_total = 0;
  int current_layer = -1;
  double fraction = 0.0;  // of the whole run, 0..1
  EvaluationCounts counts;
  double elapsed_seconds = 0.0;
  double eta_seconds = -1.0;  // negative while unknown
};

// Perplexity and K/V traffic of a finished run's config at one length, dense against tuned
// (the workbench's Quality tab). The K/V bytes are computed, not measured: what a block-sparse
// kernel reads per window, each kept K and V block once per query head, 2 bytes per element.
// The peak device bytes are measured: the CUDA allocator's peak over this length's passes.
struct QualityPoint {
  int length_tokens = 0;
  double perplexity_dense = 0.0;
  double perplexity_tuned = 0.0;
  double sparsity_tuned = 0.0;  // mean over layers × heads of what ran
  double kv_bytes_dense = 0.0;
  double kv_bytes_tuned = 0.0;
  std::optional<double> peak_device_bytes;  // nullopt: not measured (CPU, or a build without CUDA)
};

enum class RunStatus { Succeeded, Cancelled, Failed };
const char* run_status_name(RunStatus status);  // "succeeded", "cancelled", "failed"

// Receives what the engine does, on the engine's thread. Implementations must return quickly
// (the GUI bridge queues a copy and returns).
class TuningObserver {
 public:
  virtual ~TuningObserver() = default;
  virtual void on_evaluation(const EvaluationRecord& record) {}
  virtual void on_layer_finished(const LayerResult& result) {}
  virtual void on_progress(const Progress& progress) {}
  virtual void on_log(const std::string& line) {}
  // After a run, when its owner measures quality (SessionOptions::measure_quality).
  virtual void on_quality(const QualityPoint& point) {}
};

}  // namespace afbs::engine
