#include "core/engine/tuning_engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <map>

#include "core/engine/layer_scheduler.h"
#include "core/engine/method_policies.h"
#include "core/engine/method_policy.h"

namespace afbs::engine {

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

void add(EvaluationCounts& total, const EvaluationCounts& more) {
  total.evaluations += more.evaluations;
  total.weighted_evaluations += more.weighted_evaluations;
  total.seconds += more.seconds;
  total.replayed += more.replayed;
}

EvaluationCounts minus(const EvaluationCounts& a, const EvaluationCounts& b) {
  return {a.evaluations - b.evaluations, a.weighted_evaluations - b.weighted_evaluations,
          a.seconds - b.seconds, a.replayed - b.replayed};
}

namespace {

HeadResult pinned_result(int head, const HeadPin& pin) {
  HeadResult result;
  result.head = head;
  result.setting = pin.setting;
  result.sparse = pin.sparse;
  result.pinned = true;
  result.measured = !pin.sparse;  // a dense head is exact; a sparse pin is not re-measured
  result.meets_target = !pin.sparse;
  result.note = "pinned";
  return result;
}

Result<std::vector<int>> checked_ladder(const std::vector<int>& ladder) {
  if (ladder.empty()) return Error{"fidelity ladder is empty"};
  for (std::size_t i = 0; i < ladder.size(); ++i) {
    if (ladder[i] <= 0 || (i > 0 && ladder[i] <= ladder[i - 1])) {
      return Error{"fidelity ladder must be positive and ascending (rung " + std::to_string(i) +
                   " is " + std::to_string(ladder[i]) + ")"};
    }
  }
  return ladder;
}

HeadSetting pinned_setting(const HeadPin& pin) {
  if (pin.sparse) return pin.setting;
  HeadSetting dense = HeadSetting::dense();
  dense.theta = pin.setting.theta;
  dense.tau = 1.0;
  return dense;
}

}  // namespace

double mean_sparsity(const std::vector<LayerResult>& layers) {
  double sum = 0.0;
  int heads = 0;
  for (const LayerResult& layer : layers) {
    for (const HeadResult& head : layer.heads) {
      sum += head.sparse ? head.sparsity : 0.0;
      ++heads;
    }
  }
  return heads > 0 ? sum / heads : 0.0;
}

HeadsSummary summarise_heads(const RunResult& run) {
  HeadsSummary summary;
  int measured = 0;
  for (const LayerResult& layer : run.layers) {
    for (const HeadResult& head : layer.heads) {
      ++summary.heads;
      if (head.meets_target) ++summary.meeting_target;
      if (head.sparse) ++summary.sparse_heads;
      summary.mean_sparsity += head.sparse ? head.sparsity : 0.0;
      if (head.measured) {
        summary.mean_validation_error += head.error;
        ++measured;
      }
    }
  }
  if (summary.heads > 0) summary.mean_sparsity /= summary.heads;
  if (measured > 0) summary.mean_validation_error /= measured;
  return summary;
}

int matching_random_samples(const RunResult& afbs_run, int tune_windows) {
  int tuned_heads = 0;
  for (const LayerResult& layer : afbs_run.layers) {
    for (const HeadResult& head : layer.heads)
      tuned_heads += head.pinned ? 0 : 1;
  }
  if (tuned_heads == 0 || tune_windows <= 0) return 1;
  const double per_head = static_cast<double>(afbs_run.counts.evaluations) / tuned_heads;
  return std::max(1, static_cast<int>(std::lround(per_head / tune_windows)));
}

// What a run works on, checked once before anything is evaluated.
struct TuningEngine::Plan {
  std::vector<int> layers;
  std::vector<int> ladder;
  std::vector<int> tune_windows;
  std::vector<int> validation_windows;
  int heads = 0;
};

// One run: the engine's side of RunHost, over the plan, the ledger and the result.
class TuningEngine::Run final : public RunHost {
 public:
  Run(TuningEngine& engine, const Plan& plan, MethodPolicy& policy, EvaluationLedger& ledger,
      RunResult& result)
      : engine_(engine),
        plan_(plan),
        policy_(policy),
        ledger_(ledger),
        result_(result),
        pins_(plan.layers.size()) {}

  // Pins, then the policy's passes, then the layer's result.
  Status tune_layer(int layer_index) {
    const int layer = plan_.layers[layer_index];
    pins_[layer_index] = engine_.pin_source_ ? engine_.pin_source_(layer) : PinSnapshot{};
    log("layer " + std::to_string(layer) + ": tuning " + std::to_string(plan_.heads) + " heads (" +
        std::to_string(pins_[layer_index].size()) + " pinned) with " + policy_.name());
    const EvaluationCounts before = ledger_.counts();
    for (int pass = 0; pass < policy_.passes(); ++pass) {
      std::vector<HeadTask> tasks = policy_.head_tasks(*this, layer_index, pass);
      if (Status ok = run_pass(layer_index, pass, tasks); !ok) return ok;
      policy_.pass_finished(*this, layer_index, pass);
    }
    finish_layer(layer_index,
                 assemble_layer(layer_index,
                                [&](int head) { return policy_.head_result(layer_index, head); }),
                 before);
    return {};
  }

  int heads() const override { return plan_.heads; }
  int layer_count() const override { return static_cast<int>(plan_.layers.size()); }
  int layer_of(int layer_index) const override { return plan_.layers[layer_index]; }
  const PinSnapshot& pins(int layer_index) const override { return pins_[layer_index]; }

  SearchContext context(int layer_index) const override {
    SearchContext context;
    context.layer = plan_.layers[layer_index];
    context.ladder = plan_.ladder;
    context.tune_windows = plan_.tune_windows;
    context.validation_windows = plan_.validation_windows;
    context.target_error = result_.target_error;
    context.pv_target_error = result_.pv_target_error;
    context.min_sparsity = engine_.options_.min_sparsity;
    context.seed = engine_.options_.seed;
    return context;
  }

  Status run_pass(int layer_index, int pass, std::vector<HeadTask>& tasks) override {
    if (static_cast<int>(tasks.size()) != plan_.heads) {
      return Error{policy_.name() + " gave " + std::to_string(tasks.size()) + " head tasks for " +
                   std::to_string(plan_.heads) + " heads (layer " +
                   std::to_string(plan_.layers[layer_index]) + ")"};
    }
    std::vector<HeadSetting> idle(plan_.heads);
    for (const auto& [head, pin] : pins_[layer_index]) {
      if (head < 0 || head >= plan_.heads) continue;
      idle[head] = pinned_setting(pin);
      tasks[head] = HeadTask{};  // a pin is never evaluated, whatever the policy asked
    }
    LayerScheduler scheduler(ledger_, plan_.layers[layer_index], std::move(idle));
    scheduler.set_optimiser_threads(engine_.options_.optimiser_threads);
    const int passes = std::max(1, policy_.passes());
    scheduler.set_after_call([this, layer_index, pass, passes] {
      report_progress(layer_index, (pass + 0.5) / passes, layer_index);
    });
    return scheduler.run(tasks);
  }

  LayerResult assemble_layer(int layer_index,
                             const std::function<HeadResult(int)>& head_result) const override {
    LayerResult layer;
    layer.layer = plan_.layers[layer_index];
    const PinSnapshot& pins = pins_[layer_index];
    for (int head = 0; head < plan_.heads; ++head) {
      const auto pin = pins.find(head);
      layer.heads.push_back(pin != pins.end() ? pinned_result(head, pin->second)
                                              : head_result(head));
    }
    return layer;
  }

  void finish_layer(int layer_index, LayerResult layer, const EvaluationCounts& before) override {
    int sparse = 0;
    for (const HeadResult& head : layer.heads)
      sparse += head.sparse ? 1 : 0;
    layer.counts = minus(ledger_.counts(), before);
    log("layer " + std::to_string(layer.layer) + ": " + std::to_string(sparse) + " of " +
        std::to_string(layer.heads.size()) + " heads sparse, " +
        std::to_string(layer.counts.evaluations) + " evaluations");
    const auto same_layer = [&](const LayerResult& r) { return r.layer == layer.layer; };
    const auto existing = std::find_if(result_.layers.begin(), result_.layers.end(), same_layer);
    if (existing != result_.layers.end()) {
      *existing = layer;  // an end-to-end stage's redo replaces the layer
    } else {
      result_.layers.push_back(layer);
    }
    report_layer(layer);
    report_progress(layer_index + 1, 0.0, layer_index + 1);
  }

  void report_layer(const LayerResult& layer) override {
    if (engine_.observer_ != nullptr) engine_.observer_->on_layer_finished(layer);
  }

  const EvaluationCounts& counts() const override { return ledger_.counts(); }
  bool can_measure_perplexity() const override { return static_cast<bool>(engine_.perplexity_); }
  Result<double> measure_perplexity(double label, const std::vector<LayerResult>& layers) override {
    if (!engine_.perplexity_) return Error{"no perplexity measure was given to the engine"};
    return ledger_.measure_perplexity(label, mean_sparsity(layers),
                                      [&]() { return engine_.perplexity_(layers); });
  }
  RunResult& result() override { return result_; }
  void log(const std::string& line) override { engine_.log(line); }

 private:
  void report_progress(int layer_index, double layer_fraction, int layers_done) {
    TuningObserver* observer = engine_.observer_;
    if (observer == nullptr) return;
    Progress progress;
    progress.layers_done = layers_done;
    progress.layers_total = static_cast<int>(plan_.layers.size());
    progress.current_layer = layer_index < progress.layers_total ? plan_.layers[layer_index] : -1;
    progress.fraction =
        std::clamp((layer_index + layer_fraction) / std::max(1, progress.layers_total), 0.0, 1.0);
    progress.counts = ledger_.counts();
    progress.elapsed_seconds = ledger_.elapsed_seconds();
    if (progress.fraction > 0.0) {
      progress.eta_seconds =
          progress.elapsed_seconds * (1.0 - progress.fraction) / progress.fraction;
    }
    observer->on_progress(progress);
  }

  TuningEngine& engine_;
  const Plan& plan_;
  MethodPolicy& policy_;
  EvaluationLedger& ledger_;
  RunResult& result_;
  std::vector<PinSnapshot> pins_;  // by layer index, read when the layer starts
};

TuningEngine::TuningEngine(LayerEvaluator& evaluator, EngineOptions options)
    : evaluator_(evaluator), options_(std::move(options)) {}

TuningEngine::TuningEngine(LayerEvaluator& evaluator, EngineOptions options,
                           std::unique_ptr<MethodPolicy> policy)
    : evaluator_(evaluator), options_(std::move(options)), policy_(std::move(policy)) {}

TuningEngine::~TuningEngine() = default;

void TuningEngine::log(const std::string& line) {
  if (observer_ != nullptr) observer_->on_log(line);
}

Result<TuningEngine::Plan> TuningEngine::make_plan() const {
  Plan plan;
  plan.heads = evaluator_.heads();
  Result<std::vector<int>> ladder =
      checked_ladder(options_.fidelity_lengths.empty() ? evaluator_.fidelity_lengths()
                                                       : options_.fidelity_lengths);
  if (!ladder) return ladder.error();
  plan.ladder = *ladder;
  plan.tune_windows = evaluator_.tune_windows();
  plan.validation_windows = evaluator_.validation_windows();
  if (plan.validation_windows.empty()) plan.validation_windows = plan.tune_windows;
  if (plan.tune_windows.empty()) {
    return Error{"no tuning windows: the calibration text is too short for length " +
                 std::to_string(plan.ladder.back())};
  }
  if (plan.heads <= 0) return Error{"the evaluator reports no heads"};
  if (!(options_.target_error > 0.0) || options_.pv_target_error < options_.target_error) {
    return Error{"error targets must satisfy 0 < ε1 <= ε2 (got " +
                 format_number(options_.target_error) + ", " +
                 format_number(options_.pv_target_error) + ")"};
  }
  plan.layers = options_.layers;
  if (plan.layers.empty()) {
    for (int layer = 0; layer < evaluator_.layers(); ++layer)
      plan.layers.push_back(layer);
  }
  for (int layer : plan.layers) {
    if (layer < 0 || layer >= evaluator_.layers()) {
      return Error{"layer " + std::to_string(layer) + " is out of range (the model has " +
                   std::to_string(evaluator_.layers()) + ")"};
    }
  }
  return plan;
}

RunResult TuningEngine::run(RunControl control) {
  RunResult result;
  result.method = options_.method;
  result.target_error = options_.target_error;
  result.pv_target_error = options_.pv_target_error;
  try {
    Result<Plan> plan = make_plan();
    if (!plan) {
      result.message = plan.error().message;
      return result;
    }
    std::unique_ptr<MethodPolicy> made;
    if (!policy_) {
      Result<std::unique_ptr<MethodPolicy>> policy = make_method_policy(options_);
      if (!policy) {
        result.message = policy.error().message;
        return result;
      }
      made = std::move(*policy);
    }
    MethodPolicy& policy = policy_ ? *policy_ : *made;

    EvaluationLedger ledger(evaluator_, plan->ladder.back(), observer_, control);
    Run run(*this, *plan, policy, ledger, result);
    if (Status ok = policy.start_run(run); !ok) {
      result.message = ok.error().message;
      return result;
    }
    if (!options_.journal_path.empty()) {
      JournalHeader header;
      header.method = policy.name();
      header.seed = options_.seed;
      std::string shape = options_fingerprint(options_) + "/" + std::to_string(plan->heads);
      for (int n : plan->ladder) {
        shape += ',';  // appended in two steps: GCC 12 warns falsely on "," + to_string here
        shape += std::to_string(n);
      }
      shape += "/" + std::to_string(plan->tune_windows.size()) + "," +
               std::to_string(plan->validation_windows.size());
      header.fingerprint = shape;
      std::vector<EvaluationRecord> replay;
      Result<std::unique_ptr<EvaluationJournal>> journal =
          options_.resume
              ? EvaluationJournal::resume(options_.journal_path, header, options_.journal_fsync,
                                          &replay)
              : EvaluationJournal::create(options_.journal_path, header, options_.journal_fsync);
      if (!journal) {
        result.message = journal.error().message;
        return result;
      }
      if (!replay.empty()) {
        log("resuming: " + std::to_string(replay.size()) + " evaluations from " +
            options_.journal_path);
      }
      ledger.attach_journal(std::move(*journal), std::move(replay));
    }

    Status status;
    for (int i = 0; i < run.layer_count() && status; ++i)
      status = run.tune_layer(i);
    if (status) status = policy.finish_run(run);
    result.perplexity_measurements = ledger.perplexity_measurements();

    result.counts = ledger.counts();
    result.engine_seconds = ledger.engine_seconds();
    result.evaluations = ledger.records();
    if (status) {
      result.status = RunStatus::Succeeded;
    } else if (ledger.cancelled()) {
      result.status = RunStatus::Cancelled;
      result.message = "cancelled";
    } else {
      result.status = RunStatus::Failed;
      result.message = status.error().message;
      result.out_of_memory = status.error().out_of_memory;
    }
    log(std::string("run ") + run_status_name(result.status) + ": " +
        std::to_string(result.counts.evaluations) + " evaluations");
  } catch (const std::exception& e) {
    result.status = RunStatus::Failed;
    result.message = std::string("tuning stopped by an internal error: ") + e.what();
  }
  return result;
}

}  // namespace afbs::engine
