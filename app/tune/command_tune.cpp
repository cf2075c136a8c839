// afbs-tune tune: tune a model's sparse-attention thresholds (DESIGN.md §5, §9).
#include <cstdio>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>

#include "app/tune/commands.h"
#include "app/tune/interrupt_signals.h"
#include "app/tune/model_options.h"
#include "app/tune/number_lists.h"
#include "app/tune/out_of_memory_advice.h"
#include "app/tune/subcommands.h"
#include "app/tune/terminal_progress.h"
#include "core/attention/sparse_preset.h"
#include "core/common/atomic_file.h"
#include "core/engine/budget_summary.h"
#include "core/engine/evaluation_csv.h"
#include "core/engine/run_config.h"
#include "core/io/config_file.h"
#include "core/session/run_accounting.h"
#include "core/session/tuning_session.h"

namespace afbs::cli {
namespace {

Result<SessionOptions> session_options_from(const CliArgs& args) {
  SessionOptions options;
  auto dir = resolve_model_dir(args);
  if (!dir) return dir.error();
  options.model_dir = *dir;
  options.device = args.get("device", "cpu");
  options.dtype = args.get("dtype", "");
  options.text = args.get("text", default_data_file("kjv-validation.txt").string());
  options.bos = args.has("bos");
  options.perplexity_guard = !args.has("no-guard");
  auto blocks = parse_block_shape(args.get("blocks", "64x64"), "--blocks");
  if (!blocks) return blocks.error();
  options.engine.blocks = *blocks;
  const std::string capture = args.get("capture", "stream");
  if (capture != "stream" && capture != "up-front") {
    return Error{"--capture: '" + capture + "' is neither stream nor up-front"};
  }
  options.stream_layers = capture == "stream";
  auto tune_windows = args.get_int("tune-windows", options.tune_windows);
  auto validation_windows = args.get_int("validation-windows", options.validation_windows);
  if (!tune_windows) return tune_windows.error();
  if (!validation_windows) return validation_windows.error();
  auto guard_windows = args.get_int("guard-windows", options.guard_windows);
  if (!guard_windows) return guard_windows.error();
  options.guard_windows = static_cast<int>(*guard_windows);
  options.tune_windows = static_cast<int>(*tune_windows);
  options.validation_windows = static_cast<int>(*validation_windows);

  engine::EngineOptions& engine = options.engine;
  const std::string method = args.get("method", "afbs-bo");
  auto parsed_method = engine::parse_method(method);
  if (!parsed_method)
    return Error{"--method: unknown method '" + method + "' (afbs-bo, grid, random, static)"};
  engine.method = *parsed_method;
  if (engine.method == engine::TuningMethod::Static) {
    if (!args.has("preset")) {
      return Error{"--method static needs --preset P (sparge-default, topk:F, window:W, dense)"};
    }
    auto setting = preset_head_setting(args.get("preset"));
    if (!setting) return Error{"--preset: " + setting.error().message};
    engine.static_setting = *setting;
  } else if (args.has("preset")) {
    return Error{"--preset is for --method static only"};
  }
  auto l1 = args.get_double("l1", engine.target_error);
  auto pv_l1 = args.get_double("pv-l1", engine.pv_target_error);
  auto seed = args.get_int("seed", 0);
  if (!l1) return l1.error();
  if (!pv_l1) return pv_l1.error();
  if (!seed) return seed.error();
  if (!(*l1 > 0 && *l1 < 1)) return Error{"--l1 must be in (0, 1)"};
  if (!(*pv_l1 >= *l1 && *pv_l1 < 1)) return Error{"--pv-l1 must be in [--l1, 1)"};
  engine.target_error = *l1;
  engine.pv_target_error = *pv_l1;
  engine.seed = static_cast<uint64_t>(*seed);
  if (args.has("fidelities")) {
    auto ladder = parse_int_list(args.get("fidelities"), "--fidelities");
    if (!ladder) return ladder.error();
    for (int n : *ladder) {
      if (n < 64 || n % 64 != 0) {
        return Error{"--fidelities: " + std::to_string(n) + " is not a positive multiple of 64"};
      }
    }
    engine.fidelity_lengths = *ladder;
  }
  if (args.has("layers")) {
    auto layers = parse_int_list(args.get("layers"), "--layers");
    if (!layers) return layers.error();
    engine.layers = *layers;
  }
  if (args.has("perplexity-budget")) {
    auto budget = parse_fraction(args.get("perplexity-budget"), "--perplexity-budget");
    if (!budget) return budget.error();
    if (engine.method != engine::TuningMethod::AfbsBo) {
      return Error{"--perplexity-budget is for --method afbs-bo only"};
    }
    if (!options.perplexity_guard) {
      return Error{"--perplexity-budget measures perplexity: it cannot go with --no-guard"};
    }
    engine.budget.enabled = true;
    engine.afbs.perplexity_budget = *budget;
  }
  auto optimiser_threads = args.get_int("optimiser-threads", engine.optimiser_threads);
  if (!optimiser_threads) return optimiser_threads.error();
  if (*optimiser_threads < 1 || *optimiser_threads > 256) {
    return Error{"--optimiser-threads must lie in [1, 256]"};
  }
  engine.optimiser_threads = static_cast<int>(*optimiser_threads);
  if (args.has("price-allocation")) {
    if (!engine.budget.enabled) return Error{"--price-allocation needs --perplexity-budget P"};
    engine.budget.price_allocation = true;
  }
  if (args.has("layer-sensitivity")) {
    if (!engine.budget.enabled) return Error{"--layer-sensitivity needs --perplexity-budget P"};
    engine.budget.layer_sensitivity = true;
  }
  engine.journal_path = args.get("journal", "");
  engine.resume = args.has("resume");
  if (engine.resume && engine.journal_path.empty()) {
    return Error{"--resume needs --journal FILE (the journal of the run to resume)"};
  }
  return options;
}

}  // namespace

int run_tune(const std::vector<std::string>& argv) {
  auto args = CliArgs::parse(
      argv,
      with_model_options({"out", "method", "l1", "pv-l1", "fidelities", "layers", "pins", "journal",
                          "preset", "seed", "text", "tune-windows", "validation-windows", "csv",
                          "perplexity-budget", "guard-windows", "capture", "optimiser-threads",
                          "blocks"}),
      {"resume", "json", "bos", "no-guard", "quiet", "price-allocation", "layer-sensitivity"});
  if (!args) return fail_usage(args.error().message);
  if (!args->has("out")) return fail_usage("tune needs --out CFG (where to write the config)");
  if (auto threads = apply_thread_option(*args); !threads) return fail(threads.error().message);
  auto options = session_options_from(*args);
  if (!options) return fail(options.error().message);
  // Outputs are checked before the run, not found unwritable after an hour of it.
  for (const char* output : {"out", "csv"}) {
    if (!args->has(output)) continue;
    if (Status writable = check_writable(args->get(output)); !writable) {
      return fail("--" + std::string(output) + ": " + writable.error().message);
    }
  }

  // The same command with --resume: printed when an interrupt or an out-of-memory stops it.
  std::string resume_command = "afbs-tune tune";
  for (const std::string& word : argv)
    resume_command += " " + word;
  if (!args->has("resume")) resume_command += " --resume";
  // After an out-of-memory error: what to lower, and (once the journal exists) how to resume.
  auto memory_advice = [&](const std::vector<int>& ladder, bool journal_started) {
    TuneMemorySettings settings;
    settings.fidelities = ladder;
    settings.tune_windows = options->tune_windows;
    settings.validation_windows = options->validation_windows;
    settings.guard_windows = options->guard_windows;
    settings.stream_layers = options->stream_layers;
    settings.dtype = dtype_in_use(args->get("dtype", ""), options->device);
    if (journal_started) settings.journal = args->get("journal", "");
    settings.resume_command = resume_command;
    return tune_memory_advice(settings);
  };

  std::optional<SparseConfig> pins;
  if (args->has("pins")) {
    auto read = read_config(args->get("pins"));
    if (!read) return fail(read.error().message);
    pins = *read;
    // Thresholds hold for one block shape: pins for another would be kept at the wrong one.
    if (pins->blocks != options->engine.blocks) {
      return fail("--pins " + args->get("pins") + ": its thresholds are for " +
                  pins->blocks.text() + " blocks, this run tunes " + options->engine.blocks.text() +
                  " (--blocks)");
    }
  }

  // Where the time goes (issue 11's accounting): the wall clock around prepare, run and write;
  // account_run splits it into phases with what the session, engine and evaluator measured.
  using Clock = std::chrono::steady_clock;
  auto seconds_since = [](Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  };
  const auto prepare_started = Clock::now();
  TerminalProgress progress(/*quiet_log=*/false, args->has("quiet"));
  auto session =
      TuningSession::prepare(*options, [&](const std::string& line) { progress.on_log(line); });
  if (!session) {
    if (!session.error().out_of_memory) return fail(session.error().message);
    return fail(session.error().message + "\n" +
                memory_advice(options->engine.fidelity_lengths, args->has("resume")));
  }
  if (pins) {
    if (Status matches = check_config_matches(*pins, (*session)->identity(), args->get("pins"));
        !matches) {
      return fail(matches.error().message);
    }
  }
  const double prepare_seconds = seconds_since(prepare_started);
  InterruptSignals interrupts;
  const auto run_started = Clock::now();
  engine::RunResult run =
      (*session)->run(&progress, engine::RunControl{interrupts.flag(), nullptr},
                      pins ? engine::pins_from_config(*pins) : engine::PinSource{});
  const double run_seconds = seconds_since(run_started);
  if (run.status == engine::RunStatus::Failed && run.out_of_memory) {
    // Exit code 1, like any failed run; the journal holds every finished call.
    return fail("tuning failed: " + run.message + "\n" + memory_advice((*session)->ladder(), true));
  }
  if (run.status == engine::RunStatus::Failed) return fail("tuning failed: " + run.message);
  if (run.status == engine::RunStatus::Cancelled) {
    std::string text =
        std::string("interrupted (") + (interrupts.received() == SIGTERM ? "SIGTERM" : "SIGINT") +
        ") after " + std::to_string(run.counts.evaluations) + " evaluations; no config was written";
    if (args->has("journal")) {
      text +=
          ". The journal " + args->get("journal") + " is whole; resume with:\n  " + resume_command;
    } else {
      text += " (without --journal the run cannot be resumed)";
    }
    fail(text);
    return kInterruptedExitCode;
  }

  const auto write_started = Clock::now();
  auto made = (*session)->config_from(run);
  if (!made) return fail(made.error().message);
  const SparseConfig& config = *made;
  const std::string out = args->get("out");
  if (Status written = write_config(config, out); !written) return fail(written.error().message);
  if (args->has("csv")) {
    if (Status csv = engine::write_evaluations_csv(args->get("csv"), run.evaluations); !csv) {
      return fail(csv.error().message);
    }
  }

  const double write_seconds = seconds_since(write_started);
  const RunAccounting accounting =
      account_run((*session)->costs(), run, prepare_seconds, run_seconds, write_seconds);
  const engine::HeadsSummary summary = engine::summarise_heads(run);
  if (args->has("json")) {
    nlohmann::json json = {
        {"method", engine::method_name(run.method)},
        {"status", engine::run_status_name(run.status)},
        {"evaluations", run.counts.evaluations},
        {"weighted_evaluations", run.counts.weighted_evaluations},
        {"seconds", run.counts.seconds},
        {"mean_sparsity", summary.mean_sparsity},
        {"mean_validation_error", summary.mean_validation_error},
        {"heads_meeting_target", summary.meeting_target},
        {"heads", summary.heads},
        {"perplexity_dense",
         run.perplexity_dense ? nlohmann::json(*run.perplexity_dense) : nlohmann::json(nullptr)},
        {"perplexity_tuned",
         run.perplexity_tuned ? nlohmann::json(*run.perplexity_tuned) : nlohmann::json(nullptr)},
        {"config", out},
        {"blocks", options->engine.blocks.text()},
    };
    // Phases (RunAccounting; they add up to "total"), memory, the GPU's busy share. Kept from
    // before: load_and_capture = TuningSession::prepare (capture only when not streaming),
    // run = the engine, evaluator = its calls, outside_evaluator = run − evaluator, write.
    const nlohmann::ordered_json accounted = accounting_json(accounting);
    for (const auto& [key, value] : accounted.items())
      json[key] = value;
    json["phase_seconds"]["load_and_capture"] = prepare_seconds;
    json["phase_seconds"]["run"] = run_seconds;
    json["phase_seconds"]["evaluator"] = run.counts.seconds;
    json["phase_seconds"]["outside_evaluator"] = std::max(0.0, run_seconds - run.counts.seconds);
    json["phase_seconds"]["write"] = write_seconds;
    if (options->engine.budget.enabled) {
      json["perplexity_budget"] = options->engine.afbs.perplexity_budget;
      json["epsilon_multiplier"] = run.epsilon_multiplier;
      json["budget_by_price"] = run.budget_by_price;
      json["budget_layer_choices"] = run.budget_layer_choices;
      json["layer_multipliers"] = run.layer_multipliers;
      json["target_error"] = run.target_error;
      json["pv_target_error"] = run.pv_target_error;
      nlohmann::json probes = nlohmann::json::array();
      for (const engine::BudgetProbe& probe : run.budget_probes) {
        probes.push_back({{"multiplier", probe.multiplier},
                          {"price", probe.price},
                          {"layer", probe.layer},
                          {"perplexity", probe.perplexity},
                          {"rise", probe.rise},
                          {"mean_sparsity", probe.mean_sparsity},
                          {"within_budget", probe.within_budget},
                          {"validated", probe.validated},
                          {"evaluations", probe.evaluations},
                          {"option", probe.option}});
      }
      json["budget_probes"] = probes;
    }
    std::printf("%s\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("method            %s (%s)\n", engine::method_name(run.method),
                engine::run_status_name(run.status));
    std::printf("evaluations       %lld (weighted %.1f)\n",
                static_cast<long long>(run.counts.evaluations), run.counts.weighted_evaluations);
    std::printf("evaluator time    %s\n", format_duration(run.counts.seconds).c_str());
    std::printf("time              prepare %s, run %s (evaluator %s), write %s\n",
                format_duration(prepare_seconds).c_str(), format_duration(run_seconds).c_str(),
                format_duration(run.counts.seconds).c_str(),
                format_duration(write_seconds).c_str());
    std::printf("%s", accounting_text(accounting).c_str());
    std::printf("mean sparsity     %.4f\n", summary.mean_sparsity);
    std::printf("validation error  %.4f (mean)\n", summary.mean_validation_error);
    std::printf("heads on target   %d/%d\n", summary.meeting_target, summary.heads);
    if (run.perplexity_dense && run.perplexity_tuned) {
      std::printf("perplexity        %.4f dense, %.4f tuned\n", *run.perplexity_dense,
                  *run.perplexity_tuned);
    }
    if (options->engine.budget.enabled) {
      const engine::BudgetSummary budget =
          engine::summarise_budget(run, options->engine.afbs.perplexity_budget);
      std::printf("budget            %s\n", budget.budget.c_str());
      std::printf("allocation        %s\n", budget.allocation.c_str());
    }
    std::printf("config            %s (blocks %s)\n", out.c_str(),
                options->engine.blocks.text().c_str());
  }
  return run.status == engine::RunStatus::Succeeded ? 0 : 3;
}

}  // namespace afbs::cli
