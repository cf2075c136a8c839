// afbs-bench frontier: benchmark B6 of BENCHMARKS.md (the sparsity-quality frontier). Mean
// sparsity against perplexity rise, on the same windows, for AFBS-BO in budget mode at several
// budgets, AFBS-BO with uniform targets at several ε1 (guard off: the plain curve), grid and
// random search, and top-k and sliding-window sweeps. One session serves every point (same
// captures, same windows). Every config is also measured on held-out windows of the text that
// no method saw, since the budget stage measures on the calibration windows themselves.
//
//   afbs-bench frontier [MODEL_DIR] [--fidelities 256,512,1024] [--layers L]
//       [--budgets 0.1%,0.5%,1%,2%] [--uniform-l1 0.025,0.05,0.1,0.2] [--grid-l1 0.05]
//       [--random-l1 0.05] [--topk 0.8,0.7,0.6,0.5,0.4,0.3]
//       [--window-sparsities 0.2,0.3,0.4,0.5,0.6,0.7] [--held-out-windows 4] [--guard-windows 0]
//       [--tune-windows N] [--validation-windows N] [--seed S] [--text FILE]
//       [--threads N] [--device D] [--dtype T] [--price-allocation]
//       [--allocations equal,price,sensitivity] [--sensitivity-multipliers 1,2,4]
//       [--sensitivity-topk (none)]
//       [--sensitivity-window-sparsities 0.5,0.6,0.7,0.75,0.8,0.85,0.9,0.95]
//       [--out DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "app/bench/commands.h"
#include "app/bench/frontier_report.h"
#include "app/tune/cli_args.h"
#include "app/tune/model_options.h"
#include "app/tune/number_lists.h"
#include "app/tune/terminal_progress.h"
#include "core/attention/sparse_preset.h"
#include "core/session/tuning_session.h"

namespace afbs::bench {
namespace {

constexpr double kGuardNeverTightens = 1e9;  // uniform-ε points: the plain curve

Result<std::vector<double>> parse_list(const std::string& text, const std::string& option,
                                       bool fractions) {
  std::vector<double> values;
  std::stringstream stream(text);
  std::string word;
  while (std::getline(stream, word, ',')) {
    if (word.empty()) continue;
    if (fractions) {
      auto value = cli::parse_fraction(word, option);
      if (!value) return value.error();
      values.push_back(*value);
      continue;
    }
    char* end = nullptr;
    const double value = std::strtod(word.c_str(), &end);
    if (end != word.c_str() + word.size() || !(value > 0.0 && value <= 1.0)) {
      return Error{option + ": '" + word + "' is not a number in (0, 1]"};
    }
    values.push_back(value);
  }
  return values;
}

FrontierPoint make_point(std::string method, std::string parameter) {
  FrontierPoint point;
  point.method = std::move(method);
  point.parameter = std::move(parameter);
  return point;
}

std::string short_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", value);
  return text;
}

class FrontierMeasurer {
 public:
  // Every point is written to `out` as soon as it is measured, so a run stopped part way
  // keeps what it measured.
  FrontierMeasurer(TuningSession& session, FrontierRun& run, std::string out)
      : session_(session), run_(run), out_(std::move(out)) {}

  // Runs `options` on the session and measures its config; appends the point.
  Status measure(engine::EngineOptions options, FrontierPoint point,
                 engine::RunResult* kept = nullptr) {
    std::fprintf(stderr, "afbs-bench frontier: %s %s...\n", point.method.c_str(),
                 point.parameter.c_str());
    cli::TerminalProgress progress(true);
    const auto started = std::chrono::steady_clock::now();
    engine::RunResult result = session_.run(options, &progress);
    point.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (result.status != engine::RunStatus::Succeeded) {
      return Error{point.method + " " + point.parameter + ": " + result.message};
    }
    auto config = session_.config_from(result);
    if (!config) return config.error();
    // The guard measured this very config on these windows; else measure it here.
    double perplexity = 0.0;
    if (result.perplexity_tuned) {
      perplexity = *result.perplexity_tuned;
    } else {
      auto measured = session_.perplexity(&*config);
      if (!measured) return measured.error();
      perplexity = *measured;
    }
    auto held_out = session_.measure_held_out(&*config, run_.held_out_windows);
    if (!held_out) return held_out.error();
    const engine::HeadsSummary heads = engine::summarise_heads(result);
    point.mean_sparsity = heads.mean_sparsity;
    point.heads = heads.heads;
    point.heads_meeting_target = heads.meeting_target;
    point.perplexity = perplexity;
    point.rise = perplexity / run_.perplexity_dense - 1.0;
    point.held_out_perplexity = held_out->perplexity;
    point.held_out_rise = held_out->perplexity / run_.held_out_dense - 1.0;
    point.evaluations = result.counts.evaluations;
    point.perplexity_measurements = result.perplexity_measurements;
    point.epsilon_multiplier = result.epsilon_multiplier;
    point.probes = result.budget_probes;
    point.layer_multipliers = result.layer_multipliers;
    point.by_price = result.budget_by_price;
    point.layer_choices = result.budget_layer_choices;
    if (options.method != engine::TuningMethod::Static) point.target_error = result.target_error;
    std::fprintf(stderr,
                 "afbs-bench frontier: %s %s: sparsity %.4f, rise %.3f %% (held out %.3f %%), "
                 "%lld evaluations, %.1f s\n",
                 point.method.c_str(), point.parameter.c_str(), point.mean_sparsity,
                 100.0 * point.rise, 100.0 * point.held_out_rise, point.evaluations,
                 point.wall_seconds);
    run_.points.push_back(point);
    if (auto written = write_frontier_results(run_, out_); !written) return written.error();
    if (kept != nullptr) *kept = std::move(result);
    return {};
  }

 private:
  TuningSession& session_;
  FrontierRun& run_;
  std::string out_;
};

}  // namespace

int run_frontier(const std::vector<std::string>& argv, const std::string& command_line) {
  auto args = cli::CliArgs::parse(argv,
                                  cli::with_model_options({"fidelities",
                                                           "layers",
                                                           "budgets",
                                                           "uniform-l1",
                                                           "grid-l1",
                                                           "random-l1",
                                                           "topk",
                                                           "window-sparsities",
                                                           "held-out-windows",
                                                           "guard-windows",
                                                           "tune-windows",
                                                           "validation-windows",
                                                           "seed",
                                                           "text",
                                                           "out",
                                                           "allocations",
                                                           "sensitivity-multipliers",
                                                           "sensitivity-topk",
                                                           "sensitivity-window-sparsities",
                                                           "blocks"}),
                                  {"price-allocation"});
  if (!args) return fail_usage(args.error().message);
  auto threads = cli::apply_thread_option(*args);
  if (!threads) return fail(threads.error().message);
  auto model_dir = cli::resolve_model_dir(*args);
  if (!model_dir) return fail(model_dir.error().message);

  SessionOptions options;
  options.model_dir = *model_dir;
  options.device = args->get("device", "cpu");
  options.dtype = args->get("dtype", "");
  options.text = args->get("text", cli::default_data_file("kjv-validation.txt").string());
  auto blocks = cli::parse_block_shape(args->get("blocks", "64x64"), "--blocks");
  if (!blocks) return fail(blocks.error().message);
  options.engine.blocks = *blocks;
  auto tune_windows = args->get_int("tune-windows", options.tune_windows);
  auto validation_windows = args->get_int("validation-windows", options.validation_windows);
  auto held_out_windows = args->get_int("held-out-windows", 4);
  auto guard_windows = args->get_int("guard-windows", 0);
  auto seed = args->get_int("seed", 0);
  for (const auto* value :
       {&tune_windows, &validation_windows, &held_out_windows, &guard_windows, &seed}) {
    if (!*value) return fail(value->error().message);
  }
  options.tune_windows = static_cast<int>(*tune_windows);
  options.validation_windows = static_cast<int>(*validation_windows);
  options.guard_windows = static_cast<int>(*guard_windows);
  options.engine.seed = static_cast<uint64_t>(*seed);
  // Budget mode's allocations, each a series of its own: equal targets (the multiplier search
  // and per-layer refinement), and with it the price or the sensitivity allocation.
  std::vector<std::string> allocations;
  {
    std::stringstream stream(
        args->get("allocations", args->has("price-allocation") ? "price" : "equal"));
    for (std::string word; std::getline(stream, word, ',');) {
      if (word.empty()) continue;
      if (word != "equal" && word != "price" && word != "sensitivity") {
        return fail("--allocations: '" + word + "' is not equal, price or sensitivity");
      }
      allocations.push_back(word);
    }
  }
  // Many budget runs on one session measure the same configs again (m = 1, 2, ...).
  options.remember_perplexity = true;
  auto ladder = cli::parse_int_list(args->get("fidelities", "256,512,1024"), "--fidelities");
  if (!ladder) return fail(ladder.error().message);
  options.engine.fidelity_lengths = *ladder;
  std::string layers_text = "all";
  if (args->has("layers")) {
    auto layers = cli::parse_int_list(args->get("layers"), "--layers");
    if (!layers) return fail(layers.error().message);
    options.engine.layers = *layers;
    layers_text = args->get("layers");
  }
  auto budgets = parse_list(args->get("budgets", "0.1%,0.5%,1%,2%"), "--budgets", true);
  auto uniform = parse_list(args->get("uniform-l1", "0.025,0.05,0.1,0.2"), "--uniform-l1", false);
  auto grid = parse_list(args->get("grid-l1", "0.05"), "--grid-l1", false);
  auto random = parse_list(args->get("random-l1", "0.05"), "--random-l1", false);
  auto topk = parse_list(args->get("topk", "0.8,0.7,0.6,0.5,0.4,0.3"), "--topk", false);
  auto window_sparsities = parse_list(args->get("window-sparsities", "0.2,0.3,0.4,0.5,0.6,0.7"),
                                      "--window-sparsities", false);
  for (const auto* list : {&budgets, &uniform, &grid, &random, &topk, &window_sparsities}) {
    if (!*list) return fail(list->error().message);
  }
  // The sensitivity allocation's menu (default: BudgetOptions's).
  engine::BudgetOptions& menu = options.engine.budget;
  if (args->has("sensitivity-multipliers")) {
    std::vector<double> multipliers;
    std::stringstream stream(args->get("sensitivity-multipliers"));
    for (std::string word; std::getline(stream, word, ',');) {
      char* end = nullptr;
      const double m = std::strtod(word.c_str(), &end);
      if (word.empty() || end != word.c_str() + word.size() || !(m > 0.0 && m <= 16.0)) {
        return fail("--sensitivity-multipliers: '" + word + "' is not a number in (0, 16]");
      }
      multipliers.push_back(m);
    }
    menu.sensitivity_multipliers = multipliers;
  }
  for (const auto& [option, list] :
       {std::pair{"sensitivity-topk", &menu.sensitivity_topk},
        std::pair{"sensitivity-window-sparsities", &menu.sensitivity_window_sparsities}}) {
    if (!args->has(option)) continue;
    auto values = parse_list(args->get(option), std::string("--") + option, false);
    if (!values) return fail(values.error().message);
    *list = *values;
  }

  FrontierRun run;
  run.provenance = describe_run(command_line);
  run.model = options.model_dir.string();
  run.text = options.text.string();
  run.device = options.device;
  run.threads = *threads;
  run.ladder = *ladder;
  run.blocks = options.engine.blocks.text();
  run.layers = layers_text;
  run.tune_windows = options.tune_windows;
  run.validation_windows = options.validation_windows;
  run.guard_windows = options.guard_windows;
  run.held_out_windows = static_cast<int>(*held_out_windows);
  run.seed = options.engine.seed;
  run.budgets = *budgets;

  cli::TerminalProgress progress(true);
  auto session = TuningSession::prepare(options, [&](const std::string& l) { progress.on_log(l); });
  if (!session) return fail(session.error().message);
  auto dense = (*session)->perplexity(nullptr);
  if (!dense) return fail(dense.error().message);
  auto held_out_dense = (*session)->measure_held_out(nullptr, run.held_out_windows);
  if (!held_out_dense) return fail(held_out_dense.error().message);
  run.perplexity_dense = *dense;
  run.held_out_dense = held_out_dense->perplexity;
  const std::string out = args->get("out", "bench/results/frontier");
  FrontierMeasurer measurer(**session, run, out);
  const int top = ladder->back();

  int random_samples = options.engine.random.samples_per_head;
  for (double l1 : *uniform) {
    engine::EngineOptions o = options.engine;
    o.target_error = l1;
    o.pv_target_error = l1 * 1.2;  // ε2 / ε1 as the defaults 0.06 / 0.05
    o.afbs.perplexity_budget = kGuardNeverTightens;
    FrontierPoint point = make_point("afbs-bo uniform", "eps1 " + short_number(l1));
    engine::RunResult result;
    if (Status ok = measurer.measure(o, point, &result); !ok) return fail(ok.error().message);
    if (!random->empty() && l1 == random->front()) {
      random_samples = engine::matching_random_samples(result, options.tune_windows);
    }
  }
  for (const std::string& allocation : allocations) {
    for (double budget : *budgets) {
      engine::EngineOptions o = options.engine;
      o.budget.enabled = true;
      o.budget.price_allocation = allocation == "price";
      o.budget.layer_sensitivity = allocation == "sensitivity";
      o.afbs.perplexity_budget = budget;
      const std::string method =
          allocation == "equal" ? "afbs-bo budget" : "afbs-bo budget " + allocation;
      FrontierPoint point = make_point(method, short_number(100.0 * budget) + "%");
      point.budget = budget;
      if (Status ok = measurer.measure(o, point); !ok) return fail(ok.error().message);
    }
  }
  for (double l1 : *grid) {
    engine::EngineOptions o = options.engine;
    o.method = engine::TuningMethod::Grid;
    o.target_error = l1;
    o.pv_target_error = l1 * 1.2;
    if (Status ok = measurer.measure(o, make_point("grid", "eps1 " + short_number(l1))); !ok) {
      return fail(ok.error().message);
    }
  }
  for (double l1 : *random) {
    engine::EngineOptions o = options.engine;
    o.method = engine::TuningMethod::Random;
    o.target_error = l1;
    o.pv_target_error = l1 * 1.2;
    o.random.samples_per_head = random_samples;
    const std::string parameter =
        "eps1 " + short_number(l1) + ", " + std::to_string(random_samples) + " samples/head";
    if (Status ok = measurer.measure(o, make_point("random", parameter)); !ok) {
      return fail(ok.error().message);
    }
  }
  const auto measure_preset = [&](const std::string& method, const std::string& preset,
                                  const std::string& parameter) -> Status {
    engine::EngineOptions o = options.engine;
    o.method = engine::TuningMethod::Static;
    auto setting = preset_head_setting(preset);
    if (!setting) return setting.error();
    o.static_setting = *setting;
    return measurer.measure(o, make_point(method, parameter));
  };
  for (double fraction : *topk) {
    const std::string f = short_number(fraction);
    if (Status ok = measure_preset("topk", "topk:" + f, "F " + f); !ok) {
      return fail(ok.error().message);
    }
  }
  std::vector<int> widths;  // sparsities past one block's window give the same width: once
  for (double sparsity : *window_sparsities) {
    const int width = window_tokens_for_sparsity(top, options.engine.blocks, sparsity);
    if (std::find(widths.begin(), widths.end(), width) != widths.end()) continue;
    widths.push_back(width);
    const std::string w = std::to_string(width);
    if (Status ok = measure_preset("window", "window:" + w, "W " + w); !ok) {
      return fail(ok.error().message);
    }
  }

  auto markdown = write_frontier_results(run, out);
  if (!markdown) return fail(markdown.error().message);
  std::printf("%s", markdown->c_str());
  return 0;
}

}  // namespace afbs::bench
