#include "core/engine/tuning_engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <map>

#include "core/engine/afbs_stages.h"
#include "core/engine/baseline_searches.h"
#include "core/engine/layer_scheduler.h"
#include "core/engine/tuning_engine_state.h"

namespace afbs::engine {

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

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

EvaluationCounts minus(const EvaluationCounts& a, const EvaluationCounts& b) {
  return {a.evaluations - b.evaluations, a.weighted_evaluations - b.weighted_evaluations,
          a.seconds - b.seconds, a.replayed - b.replayed};
}

namespace {

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

TuningEngine::TuningEngine(LayerEvaluator& evaluator, EngineOptions options)
    : evaluator_(evaluator), options_(std::move(options)) {}

void TuningEngine::log(const std::string& line) {
  if (observer_ != nullptr) observer_->on_log(line);
}

void TuningEngine::report_progress(const Plan& plan, EvaluationLedger& ledger, int layer_index,
                                   double layer_fraction, int layers_done) {
  if (observer_ == nullptr) return;
  Progress progress;
  progress.layers_done = layers_done;
  progress.layers_total = static_cast<int>(plan.layers.size());
  progress.current_layer = layer_index < progress.layers_total ? plan.layers[layer_index] : -1;
  progress.fraction =
      std::clamp((layer_index + layer_fraction) / std::max(1, progress.layers_total), 0.0, 1.0);
  progress.counts = ledger.counts();
  progress.elapsed_seconds = ledger.elapsed_seconds();
  if (progress.fraction > 0.0) {
    progress.eta_seconds = progress.elapsed_seconds * (1.0 - progress.fraction) / progress.fraction;
  }
  observer_->on_progress(progress);
}

RunResult TuningEngine::run(RunControl control) {
  RunResult result;
  result.method = options_.method;
  result.target_error = options_.target_error;
  result.pv_target_error = options_.pv_target_error;
  try {
    Plan plan;
    plan.heads = evaluator_.heads();
    Result<std::vector<int>> ladder =
        checked_ladder(options_.fidelity_lengths.empty() ? evaluator_.fidelity_lengths()
                                                         : options_.fidelity_lengths);
    if (!ladder) {
      result.message = ladder.error().message;
      return result;
    }
    plan.ladder = *ladder;
    plan.tune_windows = evaluator_.tune_windows();
    plan.validation_windows = evaluator_.validation_windows();
    if (plan.validation_windows.empty()) plan.validation_windows = plan.tune_windows;
    if (plan.tune_windows.empty()) {
      result.message = "no tuning windows: the calibration text is too short for length " +
                       std::to_string(plan.ladder.back());
      return result;
    }
    if (plan.heads <= 0) {
      result.message = "the evaluator reports no heads";
      return result;
    }
    if (!(options_.target_error > 0.0) || options_.pv_target_error < options_.target_error) {
      result.message = "error targets must satisfy 0 < ε1 <= ε2 (got " +
                       format_number(options_.target_error) + ", " +
                       format_number(options_.pv_target_error) + ")";
      return result;
    }
    plan.layers = options_.layers;
    if (plan.layers.empty()) {
      for (int layer = 0; layer < evaluator_.layers(); ++layer)
        plan.layers.push_back(layer);
    }
    for (int layer : plan.layers) {
      if (layer < 0 || layer >= evaluator_.layers()) {
        result.message = "layer " + std::to_string(layer) + " is out of range (the model has " +
                         std::to_string(evaluator_.layers()) + ")";
        return result;
      }
    }
    plan.passes = options_.method == TuningMethod::AfbsBo ? 3 : 2;
    if (options_.budget.enabled) {
      if (options_.method != TuningMethod::AfbsBo) {
        result.message = std::string("a perplexity budget is for afbs-bo only (not ") +
                         method_name(options_.method) + ")";
        return result;
      }
      if (!perplexity_) {
        result.message = "a perplexity budget needs the end-to-end perplexity measure (the guard)";
        return result;
      }
      if (!(options_.afbs.perplexity_budget >= 0.0) || !(options_.budget.growth > 1.0) ||
          !(options_.budget.min_multiplier > 0.0) || options_.budget.max_multiplier < 1.0) {
        result.message =
            "budget options: the budget must be >= 0, growth > 1, and "
            "0 < min multiplier <= 1 <= max multiplier";
        return result;
      }
    }

    EvaluationLedger ledger(evaluator_, plan.ladder.back(), observer_, control);
    if (!options_.journal_path.empty()) {
      JournalHeader header;
      header.method = method_name(options_.method);
      header.seed = options_.seed;
      std::string shape = options_fingerprint(options_) + "/" + std::to_string(plan.heads);
      for (int n : plan.ladder)
        shape += "," + std::to_string(n);
      shape += "/" + std::to_string(plan.tune_windows.size()) + "," +
               std::to_string(plan.validation_windows.size());
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

    std::vector<LayerRun> runs(plan.layers.size());
    Status status;
    for (std::size_t i = 0; i < plan.layers.size() && status; ++i) {
      status = tune_layer(plan, static_cast<int>(i), ledger, runs, result);
    }
    if (status) {
      status = options_.budget.enabled ? run_budget(plan, ledger, runs, result)
                                       : run_guard(plan, ledger, runs, result);
    }
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
    }
    log(std::string("run ") + run_status_name(result.status) + ": " +
        std::to_string(result.counts.evaluations) + " evaluations");
  } catch (const std::exception& e) {
    result.status = RunStatus::Failed;
    result.message = std::string("tuning stopped by an internal error: ") + e.what();
  }
  return result;
}

Status TuningEngine::run_pass(const Plan& plan, int layer_index, int pass, EvaluationLedger& ledger,
                              const LayerRun& layer_run, std::vector<HeadTask>& tasks) {
  std::vector<HeadSetting> idle(plan.heads);
  for (const auto& [head, pin] : layer_run.pins) {
    if (head >= 0 && head < plan.heads) idle[head] = pinned_setting(pin);
  }
  LayerScheduler scheduler(ledger, layer_run.layer, std::move(idle));
  scheduler.set_optimiser_threads(options_.optimiser_threads);
  scheduler.set_after_call([this, &plan, &ledger, layer_index, pass] {
    report_progress(plan, ledger, layer_index, (pass + 0.5) / plan.passes, layer_index);
  });
  return scheduler.run(tasks);
}

void TuningEngine::finish_layer(const Plan& plan, int layer_index, EvaluationLedger& ledger,
                                LayerResult layer_result, const EvaluationCounts& before,
                                RunResult& result) {
  int sparse = 0;
  for (const HeadResult& head : layer_result.heads)
    sparse += head.sparse ? 1 : 0;
  layer_result.counts = minus(ledger.counts(), before);
  log("layer " + std::to_string(layer_result.layer) + ": " + std::to_string(sparse) + " of " +
      std::to_string(layer_result.heads.size()) + " heads sparse, " +
      std::to_string(layer_result.counts.evaluations) + " evaluations");
  const auto same_layer = [&](const LayerResult& r) { return r.layer == layer_result.layer; };
  const auto existing = std::find_if(result.layers.begin(), result.layers.end(), same_layer);
  if (existing != result.layers.end()) {
    *existing = layer_result;  // the guard's redo replaces the layer
  } else {
    result.layers.push_back(layer_result);
  }
  if (observer_ != nullptr) observer_->on_layer_finished(layer_result);
  report_progress(plan, ledger, layer_index + 1, 0.0, layer_index + 1);
}

SearchContext TuningEngine::context_for(const Plan& plan, int layer,
                                        const RunResult& result) const {
  SearchContext context;
  context.layer = layer;
  context.ladder = plan.ladder;
  context.tune_windows = plan.tune_windows;
  context.validation_windows = plan.validation_windows;
  context.target_error = result.target_error;
  context.pv_target_error = result.pv_target_error;
  context.min_sparsity = options_.min_sparsity;
  context.seed = options_.seed;
  return context;
}

Status TuningEngine::tune_layer(const Plan& plan, int layer_index, EvaluationLedger& ledger,
                                std::vector<LayerRun>& runs, RunResult& result) {
  LayerRun& layer_run = runs[layer_index];
  const int layer = plan.layers[layer_index];
  layer_run.layer = layer;
  layer_run.pins = pin_source_ ? pin_source_(layer) : PinSnapshot{};
  log("layer " + std::to_string(layer) + ": tuning " + std::to_string(plan.heads) + " heads (" +
      std::to_string(layer_run.pins.size()) + " pinned) with " + method_name(options_.method));
  const SearchContext context = context_for(plan, layer, result);
  const EvaluationCounts before = ledger.counts();

  if (options_.method == TuningMethod::AfbsBo) {
    layer_run.afbs.resize(plan.heads);
    std::vector<HeadTask> tasks(plan.heads);
    for (int head = 0; head < plan.heads; ++head) {
      AfbsHeadState& state = layer_run.afbs[head];
      state.head = head;
      if (layer_index > 0 && !runs[layer_index - 1].afbs.empty() &&
          runs[layer_index - 1].pins.count(head) == 0) {
        state.warm_start = runs[layer_index - 1].afbs[head].best_point;
      }
      if (layer_run.pins.count(head) == 0) {
        tasks[head] = explore_theta_tau(state, context, options_.afbs);
      }
    }
    if (Status ok = run_pass(plan, layer_index, 0, ledger, layer_run, tasks); !ok) return ok;
    // One line per distinct note, naming its heads: at a short lowest rung most heads share one.
    std::map<std::string, std::string> heads_by_note;
    for (const AfbsHeadState& state : layer_run.afbs) {
      if (state.exploration_note.empty() || layer_run.pins.count(state.head) != 0) continue;
      std::string& heads = heads_by_note[state.exploration_note];
      heads += (heads.empty() ? "" : ",") + std::to_string(state.head);
    }
    for (const auto& [note, heads] : heads_by_note) {
      log("layer " + std::to_string(layer) + ", heads " + heads + ": " + note);
    }
    return refine_layer(plan, layer_index, ledger, layer_run, before, result);
  }

  layer_run.baseline.resize(plan.heads);
  std::vector<HeadTask> search(plan.heads);
  std::vector<HeadTask> validation(plan.heads);
  for (int head = 0; head < plan.heads; ++head) {
    BaselineHeadState& state = layer_run.baseline[head];
    state.head = head;
    if (layer_run.pins.count(head) != 0) continue;
    const bool fixed = options_.method == TuningMethod::Static;
    switch (options_.method) {
      case TuningMethod::Grid:
        search[head] = grid_search_head(state, context, options_.grid);
        break;
      case TuningMethod::Random:
        search[head] = random_search_head(state, context, options_.random);
        break;
      default:
        search[head] = static_setting_head(state, options_.static_setting);
        break;
    }
    validation[head] = validate_baseline_choice(state, context, fixed);
  }
  if (Status ok = run_pass(plan, layer_index, 0, ledger, layer_run, search); !ok) return ok;
  if (Status ok = run_pass(plan, layer_index, 1, ledger, layer_run, validation); !ok) return ok;

  LayerResult layer_result;
  layer_result.layer = layer;
  for (int head = 0; head < plan.heads; ++head) {
    const auto pin = layer_run.pins.find(head);
    layer_result.heads.push_back(pin != layer_run.pins.end() ? pinned_result(head, pin->second)
                                                             : layer_run.baseline[head].result);
  }
  finish_layer(plan, layer_index, ledger, std::move(layer_result), before, result);
  return {};
}

Status TuningEngine::refine_layer(const Plan& plan, int layer_index, EvaluationLedger& ledger,
                                  LayerRun& layer_run, const EvaluationCounts& before,
                                  RunResult& result) {
  const SearchContext context = context_for(plan, layer_run.layer, result);
  std::vector<HeadTask> tau_tasks(plan.heads);
  std::vector<HeadTask> pv_tasks(plan.heads);
  for (int head = 0; head < plan.heads; ++head) {
    if (layer_run.pins.count(head) != 0) continue;
    tau_tasks[head] = search_tau(layer_run.afbs[head], context, options_.afbs);
    pv_tasks[head] = tune_pv_and_validate(layer_run.afbs[head], context, options_.afbs);
  }
  if (Status ok = run_pass(plan, layer_index, 1, ledger, layer_run, tau_tasks); !ok) return ok;
  if (Status ok = run_pass(plan, layer_index, 2, ledger, layer_run, pv_tasks); !ok) return ok;

  LayerResult layer_result;
  layer_result.layer = layer_run.layer;
  for (int head = 0; head < plan.heads; ++head) {
    const auto pin = layer_run.pins.find(head);
    layer_result.heads.push_back(pin != layer_run.pins.end() ? pinned_result(head, pin->second)
                                                             : layer_run.afbs[head].result);
  }
  finish_layer(plan, layer_index, ledger, std::move(layer_result), before, result);
  return {};
}

Result<double> TuningEngine::measure_perplexity(EvaluationLedger& ledger, double multiplier,
                                                const std::vector<LayerResult>& layers) {
  return ledger.measure_perplexity(multiplier, mean_sparsity(layers),
                                   [&]() { return perplexity_(layers); });
}

Status TuningEngine::run_guard(const Plan& plan, EvaluationLedger& ledger,
                               std::vector<LayerRun>& runs, RunResult& result) {
  if (!perplexity_ || options_.method != TuningMethod::AfbsBo) return {};
  std::vector<LayerResult> dense_layers = result.layers;
  for (LayerResult& layer : dense_layers) {
    for (HeadResult& head : layer.heads)
      head = dense_result(head.head, head.setting.theta, "");
  }
  Result<double> dense = measure_perplexity(ledger, 0.0, dense_layers);
  if (!dense) return with_context("measuring dense perplexity", dense.error());
  result.perplexity_dense = *dense;
  for (int round = 0;; ++round) {
    Result<double> tuned =
        measure_perplexity(ledger, result.target_error / options_.target_error, result.layers);
    if (!tuned) return with_context("measuring tuned perplexity", tuned.error());
    result.perplexity_tuned = *tuned;
    const double rise = *tuned / *dense - 1.0;
    log("guard: perplexity " + format_number(*dense) + " dense, " + format_number(*tuned) +
        " tuned (" + format_number(100.0 * rise) + " % rise, budget " +
        format_number(100.0 * options_.afbs.perplexity_budget) + " %)");
    if (rise <= options_.afbs.perplexity_budget) return {};
    if (round >= options_.afbs.max_guard_rounds) {
      log("guard: still over budget after " + std::to_string(round) + " tightenings");
      return {};
    }
    result.target_error *= options_.afbs.guard_tighten_factor;
    result.pv_target_error *= options_.afbs.guard_tighten_factor;
    result.guard_rounds = round + 1;
    log("guard: redoing stages 2-3 with ε1 " + format_number(result.target_error) + ", ε2 " +
        format_number(result.pv_target_error));
    for (std::size_t i = 0; i < runs.size(); ++i) {
      for (AfbsHeadState& state : runs[i].afbs) {
        state.tau_high_verified = false;  // verified against the looser target only
      }
      const auto previous =
          std::find_if(result.layers.begin(), result.layers.end(),
                       [&](const LayerResult& r) { return r.layer == runs[i].layer; });
      // Offset so that the layer's counts come out as its first pass plus this redo.
      const EvaluationCounts before = minus(
          ledger.counts(), previous != result.layers.end() ? previous->counts : EvaluationCounts{});
      if (Status ok = refine_layer(plan, static_cast<int>(i), ledger, runs[i], before, result);
          !ok) {
        return ok;
      }
    }
  }
}

}  // namespace afbs::engine
