// afbs-bench tuning: benchmark B1 of BENCHMARKS.md (tuning efficiency). AFBS-BO against
// the grid baseline (SpargeAttn's autotune, replicated) and random search on one model, with
// the same calibration windows, targets and evaluator. Each method runs in a FRESH
// TuningSession (same windows and captures, empty evaluator caches), so no method profits
// from work a method before it cached.
//
//   afbs-bench tuning [MODEL_DIR] [--fidelities 256,512,1024] [--tune-windows N]
//       [--validation-windows N] [--seed S] [--methods afbs-bo,grid,random]
//       [--statics sparge-default,topk:0.5,window:equal] [--layers L] [--threads N]
//       [--device D] [--evaluator-device D] [--dtype T] [--out DIR]
// --evaluator-device runs the evaluator's attention elsewhere than the model (e.g. the CPU
// reference against the GPU path on the same captures).
// The statics are measured by the engine's Static method (every head at one preset, scored on
// the validation windows); window:equal is the sliding window closest to AFBS-BO's sparsity.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "app/bench/commands.h"
#include "app/bench/result_files.h"
#include "app/tune/cli_args.h"
#include "app/tune/model_options.h"
#include "app/tune/number_lists.h"
#include "app/tune/terminal_progress.h"
#include "core/attention/sparse_preset.h"
#include "core/session/run_accounting.h"
#include "core/session/tuning_session.h"

namespace afbs::bench {
namespace {

struct MethodResult {
  std::string method;
  std::string status;
  int64_t evaluations = 0;
  double weighted_evaluations = 0;
  double evaluator_seconds = 0;  // the engine's own count: evaluator calls only
  double wall_seconds = 0;       // the whole run(), guard included (steady_clock)
  double prepare_seconds = 0;    // load, tokenise, capture: not part of the comparison
  int random_samples_per_head = 0;
  int guard_rounds = 0;
  int heads = 0;
  int heads_meeting_target = 0;
  int sparse_heads = 0;
  double mean_sparsity = 0;  // over all heads, dense heads counting 0
  double mean_validation_error = 0;
  double perplexity_dense = 0;
  double perplexity_tuned = 0;
  double perplexity_rise() const { return perplexity_tuned / perplexity_dense - 1.0; }
  RunAccounting accounting;  // phases of prepare + run (issue 11); no write: 0
};

void summarise(const engine::RunResult& run, MethodResult& out) {
  const engine::HeadsSummary heads = engine::summarise_heads(run);
  out.heads = heads.heads;
  out.heads_meeting_target = heads.meeting_target;
  out.sparse_heads = heads.sparse_heads;
  out.mean_sparsity = heads.mean_sparsity;
  out.mean_validation_error = heads.mean_validation_error;
  out.status = engine::run_status_name(run.status);
  out.evaluations = run.counts.evaluations;
  out.weighted_evaluations = run.counts.weighted_evaluations;
  out.evaluator_seconds = run.counts.seconds;
  out.guard_rounds = run.guard_rounds;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> words;
  std::stringstream stream(text);
  std::string word;
  while (std::getline(stream, word, ','))
    if (!word.empty()) words.push_back(word);
  return words;
}

std::string fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

// Prepares a fresh session, runs the method `options` name over it and measures the result;
// `label` names it in the tables.
Result<MethodResult> run_method(const SessionOptions& options, const std::string& label) {
  const engine::TuningMethod method = options.engine.method;
  const int random_samples = options.engine.random.samples_per_head;
  MethodResult result;
  result.method = label;
  result.random_samples_per_head = method == engine::TuningMethod::Random ? random_samples : 0;
  cli::TerminalProgress progress(true);
  auto log = [&](const std::string& line) { progress.on_log(line); };
  const auto prepare_started = std::chrono::steady_clock::now();
  auto session = TuningSession::prepare(options, log);
  if (!session) return session.error();
  result.prepare_seconds = seconds_since(prepare_started);

  const auto run_started = std::chrono::steady_clock::now();
  engine::RunResult run = (*session)->run(&progress);
  result.wall_seconds = seconds_since(run_started);
  if (run.status != engine::RunStatus::Succeeded) {
    return Error{result.method + " run " + engine::run_status_name(run.status) + ": " +
                 run.message};
  }
  summarise(run, result);
  result.accounting =
      account_run((*session)->costs(), run, result.prepare_seconds, result.wall_seconds, 0.0);
  if (method == engine::TuningMethod::AfbsBo) {
    // Random search gets AFBS-BO's budget (issue 6); stored here for the caller.
    result.random_samples_per_head = engine::matching_random_samples(run, options.tune_windows);
  }

  auto config = (*session)->config_from(run);
  if (!config) return config.error();
  auto dense = (*session)->perplexity(nullptr);
  if (!dense) return dense.error();
  auto tuned = (*session)->perplexity(&*config);
  if (!tuned) return tuned.error();
  result.perplexity_dense = *dense;
  result.perplexity_tuned = *tuned;
  return result;
}

nlohmann::ordered_json to_json(const MethodResult& r) {
  return {{"method", r.method},
          {"status", r.status},
          {"evaluations", r.evaluations},
          {"weighted_evaluations", r.weighted_evaluations},
          {"wall_seconds", r.wall_seconds},
          {"evaluator_seconds", r.evaluator_seconds},
          {"prepare_seconds", r.prepare_seconds},
          {"random_samples_per_head", r.random_samples_per_head},
          {"guard_rounds", r.guard_rounds},
          {"heads", r.heads},
          {"sparse_heads", r.sparse_heads},
          {"heads_meeting_target", r.heads_meeting_target},
          {"mean_sparsity", r.mean_sparsity},
          {"mean_validation_error", r.mean_validation_error},
          {"perplexity_dense", r.perplexity_dense},
          {"perplexity_tuned", r.perplexity_tuned},
          {"perplexity_rise", r.perplexity_rise()},
          {"accounting", accounting_json(r.accounting)}};
}

const MethodResult* find(const std::vector<MethodResult>& results, const std::string& method) {
  for (const auto& r : results)
    if (r.method == method) return &r;
  return nullptr;
}

struct TargetCheck {
  std::string target;
  std::string measured;
  bool met = false;
};

// The targets of issue 6, judged on AFBS-BO against grid.
std::vector<TargetCheck> check_targets(const MethodResult& afbs, const MethodResult& grid,
                                       double budget) {
  const double evaluation_ratio = static_cast<double>(grid.evaluations) /
                                  static_cast<double>(std::max<int64_t>(1, afbs.evaluations));
  const double time_ratio = grid.wall_seconds / std::max(1e-9, afbs.wall_seconds);
  const double sparsity_gap = afbs.mean_sparsity - grid.mean_sparsity;
  return {
      {">= 10x fewer evaluations than grid", fixed(evaluation_ratio, 2) + "x",
       evaluation_ratio >= 10.0},
      {">= 5x less wall time than grid", fixed(time_ratio, 2) + "x", time_ratio >= 5.0},
      {"mean sparsity >= grid - 0.01", fixed(sparsity_gap, 4) + " (AFBS-BO - grid)",
       sparsity_gap >= -0.01},
      {"every tuned head meets its target on the validation windows",
       std::to_string(afbs.heads_meeting_target) + "/" + std::to_string(afbs.heads),
       afbs.heads_meeting_target == afbs.heads},
      {"perplexity rise within " + fixed(100 * budget, 1) + " %",
       fixed(100 * afbs.perplexity_rise(), 3) + " %", afbs.perplexity_rise() <= budget},
  };
}

int write_tuning_results(const std::vector<MethodResult>& results, const SessionOptions& options,
                         const RunProvenance& provenance, const std::string& out, int threads) {
  std::string ladder_text;
  for (int n : options.engine.fidelity_lengths)
    ladder_text += (ladder_text.empty() ? "" : ",") + std::to_string(n);
  std::string layers_text = "all";
  if (!options.engine.layers.empty()) {
    layers_text.clear();
    for (int l : options.engine.layers)
      layers_text += (layers_text.empty() ? "" : ",") + std::to_string(l);
  }
  const int top = options.engine.fidelity_lengths.back();
  nlohmann::ordered_json json;
  json["benchmark"] = "B1 tuning efficiency";
  json["date"] = provenance.date_utc;
  json["machine"] = provenance.machine;
  json["commit"] = provenance.commit;
  json["command"] = provenance.command;
  json["load_average"] = provenance.load_average;
  json["threads"] = threads;
  json["model"] = options.model_dir.string();
  json["device"] = options.device;
  const std::string evaluator_device =
      options.evaluator_device.empty() ? options.device : options.evaluator_device;
  json["evaluator_device"] = evaluator_device;
  json["evaluator_path"] = options.evaluator_kernels ? "kernels (on CUDA)" : "aten";
  json["fidelities"] = options.engine.fidelity_lengths;
  json["blocks"] = options.engine.blocks.text();
  json["top_fidelity"] = top;
  json["layers"] = layers_text;
  json["tune_windows"] = options.tune_windows;
  json["validation_windows"] = options.validation_windows;
  json["seed"] = options.engine.seed;
  json["target_error"] = options.engine.target_error;
  json["pv_target_error"] = options.engine.pv_target_error;
  json["fresh_session_per_method"] = true;
  json["methods"] = nlohmann::ordered_json::array();
  for (const auto& r : results)
    json["methods"].push_back(to_json(r));

  std::ostringstream md;
  md << "# B1: tuning efficiency (afbs-bench tuning)\n\n"
     << "- date: " << provenance.date_utc << "\n- machine: " << provenance.machine
     << "\n- commit: " << provenance.commit << "\n- command: `" << provenance.command
     << "`\n- load average at start (1/5/15 min): " << provenance.load_average
     << "\n- threads: " << threads << "\n- model: " << options.model_dir.string()
     << "\n- device: " << options.device << " (evaluator's attention: " << evaluator_device
     << (evaluator_device.rfind("cuda", 0) != 0 ? ""
         : options.evaluator_kernels            ? ", our kernels"
                                                : ", ATen path")
     << ")"
     << "\n- fidelity ladder: " << ladder_text << " (n_F = " << top << "); blocks "
     << options.engine.blocks.text() << "\n- layers: " << layers_text << "; tune windows "
     << options.tune_windows << ", validation windows " << options.validation_windows << "; seed "
     << options.engine.seed << "; targets eps1 " << options.engine.target_error << ", eps2 "
     << options.engine.pv_target_error
     << "\n- each method ran in a fresh session (same windows and captures, empty evaluator "
        "caches), so no method is cheaper for running later"
     << (options.device.rfind("cuda", 0) == 0
             ? "; an untimed warm-up run of the first method came before them, so none pays the "
               "GPU's start-up"
             : "")
     << "\n"
     << "- wall time: steady_clock around the whole engine run (AFBS-BO's perplexity guard "
        "included); evaluator time: the engine's own count of evaluator calls\n"
     << "- perplexity: TuningSession::perplexity over the calibration windows at n_F, dense "
        "and with each method's config, measured alike for every method\n\n";
  md << "| method | evaluations | weighted evaluations | wall s | evaluator s | mean sparsity | "
        "mean validation error | heads meeting target | perplexity dense | perplexity tuned "
        "| rise % |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& r : results) {
    md << "| " << r.method
       << (r.random_samples_per_head > 0 && r.method == "random"
               ? " (" + std::to_string(r.random_samples_per_head) + " samples/head)"
               : std::string())
       << " | " << r.evaluations << " | " << fixed(r.weighted_evaluations, 1) << " | "
       << fixed(r.wall_seconds, 1) << " | " << fixed(r.evaluator_seconds, 1) << " | "
       << fixed(r.mean_sparsity, 4) << " | " << fixed(r.mean_validation_error, 4) << " | "
       << r.heads_meeting_target << "/" << r.heads << " | " << fixed(r.perplexity_dense, 4) << " | "
       << fixed(r.perplexity_tuned, 4) << " | " << fixed(100 * r.perplexity_rise(), 3) << " |\n";
  }
  md << "\n## Where the time went (seconds; prepare + run, the perplexity columns above "
        "not included)\n\n| method | load | capture | reference | predict | attend | "
        "evaluator other | optimiser | guard | I/O | other | total | peak captures GB | "
        "peak device GB | GPU busy |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        "---|\n";
  for (const auto& r : results) {
    const RunAccounting& a = r.accounting;
    md << "| " << r.method << " | " << fixed(a.load, 2) << " | " << fixed(a.capture, 2) << " | "
       << fixed(a.reference, 2) << " | " << fixed(a.predict, 2) << " | " << fixed(a.attend, 2)
       << " | " << fixed(a.evaluator_other, 2) << " | " << fixed(a.optimiser, 2) << " | "
       << fixed(a.guard, 2) << " | " << fixed(a.io, 2) << " | " << fixed(a.other, 2) << " | "
       << fixed(a.total, 2) << " | " << fixed(static_cast<double>(a.peak_capture_bytes) / 1e9, 3)
       << " | " << (a.peak_device_bytes ? fixed(*a.peak_device_bytes / 1e9, 2) : std::string("n/m"))
       << " | "
       << (a.gpu_busy_fraction ? fixed(100 * *a.gpu_busy_fraction, 0) + " %" : std::string("n/m"))
       << " |\n";
  }
  md << "\nn/m: not measured (no CUDA). Peak host memory of the whole process: "
     << fixed(results.empty() ? 0.0 : results.back().accounting.peak_host_bytes / 1e9, 2)
     << " GB. GPU busy: the evaluator's synchronised device time over the tuning's wall time, "
        "an upper bound.\n";
  const MethodResult* afbs = find(results, "afbs-bo");
  const MethodResult* grid = find(results, "grid");
  if (afbs != nullptr && grid != nullptr) {
    const double evaluation_ratio = static_cast<double>(grid->evaluations) /
                                    static_cast<double>(std::max<int64_t>(1, afbs->evaluations));
    const double weighted_ratio =
        grid->weighted_evaluations / std::max(1e-9, afbs->weighted_evaluations);
    const double time_ratio = grid->wall_seconds / std::max(1e-9, afbs->wall_seconds);
    json["ratios"] = {{"evaluations_grid_over_afbs", evaluation_ratio},
                      {"weighted_evaluations_grid_over_afbs", weighted_ratio},
                      {"wall_time_grid_over_afbs", time_ratio},
                      {"sparsity_afbs_minus_grid", afbs->mean_sparsity - grid->mean_sparsity}};
    md << "\n## Ratios\n\n- evaluations, grid / AFBS-BO: " << fixed(evaluation_ratio, 2)
       << "x (length-weighted: " << fixed(weighted_ratio, 2)
       << "x)\n- wall time, grid / AFBS-BO: " << fixed(time_ratio, 2)
       << "x\n- mean sparsity, AFBS-BO - grid: "
       << fixed(afbs->mean_sparsity - grid->mean_sparsity, 4) << "\n";
    md << "\n## Targets of issue 6\n\n| target | measured | met |\n|---|---|---|\n";
    json["targets"] = nlohmann::ordered_json::array();
    for (const TargetCheck& check :
         check_targets(*afbs, *grid, options.engine.afbs.perplexity_budget)) {
      md << "| " << check.target << " | " << check.measured << " | " << (check.met ? "yes" : "no")
         << " |\n";
      json["targets"].push_back(
          {{"target", check.target}, {"measured", check.measured}, {"met", check.met}});
    }
  }
  for (const auto& [path, text] : {std::pair{out + "/tuning.json", json.dump(2) + "\n"},
                                   std::pair{out + "/tuning.md", md.str()}}) {
    if (Status written = write_file_atomically(path, text); !written) {
      return fail(written.error().message);
    }
  }
  std::printf("%s", md.str().c_str());
  return 0;
}
}  // namespace

int run_tuning(const std::vector<std::string>& argv, const std::string& command_line) {
  auto args = cli::CliArgs::parse(
      argv,
      cli::with_model_options({"fidelities", "tune-windows", "validation-windows", "seed",
                               "methods", "statics", "layers", "out", "text", "evaluator-device",
                               "evaluator-path", "blocks"}),
      {});
  if (!args) return fail_usage(args.error().message);
  auto threads = cli::apply_thread_option(*args);
  if (!threads) return fail(threads.error().message);
  auto model_dir = cli::resolve_model_dir(*args);
  if (!model_dir) return fail(model_dir.error().message);

  SessionOptions options;
  options.model_dir = *model_dir;
  options.device = args->get("device", "cpu");
  options.evaluator_device = args->get("evaluator-device", "");
  const std::string evaluator_path = args->get("evaluator-path", "kernels");
  if (evaluator_path != "kernels" && evaluator_path != "aten") {
    return fail("--evaluator-path must be kernels or aten (on CUDA), not '" + evaluator_path + "'");
  }
  options.evaluator_kernels = evaluator_path == "kernels";
  auto blocks = cli::parse_block_shape(args->get("blocks", "64x64"), "--blocks");
  if (!blocks) return fail(blocks.error().message);
  options.engine.blocks = *blocks;
  options.dtype = args->get("dtype", "");
  options.text = args->get("text", cli::default_data_file("kjv-validation.txt").string());
  auto tune_windows = args->get_int("tune-windows", options.tune_windows);
  auto validation_windows = args->get_int("validation-windows", options.validation_windows);
  auto seed = args->get_int("seed", 0);
  for (const auto* value : {&tune_windows, &validation_windows, &seed}) {
    if (!*value) return fail(value->error().message);
  }
  options.tune_windows = static_cast<int>(*tune_windows);
  options.validation_windows = static_cast<int>(*validation_windows);
  options.engine.seed = static_cast<uint64_t>(*seed);
  auto ladder = cli::parse_int_list(args->get("fidelities", "256,512,1024"), "--fidelities");
  if (!ladder) return fail(ladder.error().message);
  for (int n : *ladder) {
    if (n < 64 || n % 64 != 0) {
      return fail("--fidelities: " + std::to_string(n) + " is not a positive multiple of 64");
    }
  }
  options.engine.fidelity_lengths = *ladder;
  if (args->has("layers")) {
    auto layers = cli::parse_int_list(args->get("layers"), "--layers");
    if (!layers) return fail(layers.error().message);
    options.engine.layers = *layers;
  }
  std::vector<engine::TuningMethod> methods;
  for (const std::string& name : split_commas(args->get("methods", "afbs-bo,grid,random"))) {
    auto method = engine::parse_method(name);
    if (!method || *method == engine::TuningMethod::Static) {
      return fail("--methods: unknown method '" + name +
                  "' (afbs-bo, grid, random; presets go in --statics)");
    }
    methods.push_back(*method);
  }
  std::vector<std::string> statics =
      split_commas(args->get("statics", "sparge-default,topk:0.5,window:equal"));
  if (statics == std::vector<std::string>{"none"}) statics.clear();
  for (const std::string& preset : statics) {
    if (preset == "window:equal") continue;
    if (auto setting = preset_head_setting(preset); !setting) {
      return fail("--statics: " + setting.error().message);
    }
  }
  if (methods.empty() && statics.empty()) return fail("--methods and --statics name nothing");

  const RunProvenance provenance = describe_run(command_line);
  std::vector<MethodResult> results;
  auto measure = [&](const SessionOptions& run_options, const std::string& label) -> Status {
    std::fprintf(stderr, "afbs-bench tuning: %s in a fresh session...\n", label.c_str());
    auto result = run_method(run_options, label);
    if (!result) return result.error();
    std::fprintf(stderr,
                 "afbs-bench tuning: %s done: %lld evaluations, %.1f s wall, sparsity %.4f, "
                 "perplexity %.4f -> %.4f\n",
                 result->method.c_str(), static_cast<long long>(result->evaluations),
                 result->wall_seconds, result->mean_sparsity, result->perplexity_dense,
                 result->perplexity_tuned);
    results.push_back(*result);
    return {};
  };
  // On a GPU the first session pays the device's start-up (context, libraries, kernel modules):
  // one untimed run of the first method first, so no method in the table pays it.
  if (options.device.rfind("cuda", 0) == 0 && !methods.empty()) {
    SessionOptions warm_up = options;
    warm_up.engine.method = methods.front();
    std::fprintf(stderr, "afbs-bench tuning: a warm-up run of %s (not reported)...\n",
                 engine::method_name(methods.front()));
    if (auto warmed = run_method(warm_up, "warm-up"); !warmed) return fail(warmed.error().message);
  }
  for (engine::TuningMethod method : methods) {
    SessionOptions run_options = options;
    run_options.engine.method = method;
    if (const MethodResult* afbs = find(results, "afbs-bo")) {
      run_options.engine.random.samples_per_head = afbs->random_samples_per_head;
    }
    if (Status done = measure(run_options, engine::method_name(method)); !done) {
      return fail(done.error().message);
    }
  }
  for (const std::string& preset : statics) {
    std::string name = preset;
    if (preset == "window:equal") {
      // The sliding window (with sink) whose sparsity is closest to AFBS-BO's mean.
      const MethodResult* afbs = find(results, "afbs-bo");
      if (afbs == nullptr) return fail("--statics window:equal needs afbs-bo in --methods");
      name = "window:" +
             std::to_string(window_tokens_for_sparsity(options.engine.fidelity_lengths.back(),
                                                       options.engine.blocks, afbs->mean_sparsity));
    }
    SessionOptions run_options = options;
    run_options.engine.method = engine::TuningMethod::Static;
    run_options.engine.static_setting = *preset_head_setting(name);
    if (Status done = measure(run_options, "static " + name); !done) {
      return fail(done.error().message);
    }
  }
  return write_tuning_results(results, options, provenance, args->get("out", "bench/results"),
                              *threads);
}

}  // namespace afbs::bench
