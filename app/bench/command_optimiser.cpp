// afbs-bench optimiser: what the Bayesian optimiser itself costs per ask(), and how close it
// gets to known optima. The black-box functions are analytic and cost microseconds, so
// everything timed here is the optimiser's own work (GP fit + acquisition search).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/bench/commands.h"
#include "app/bench/result_files.h"
#include "app/tune/cli_args.h"
#include "core/tuning/optimize.h"
#include "core/tuning/standard_functions.h"
#include "core/tuning/stop_rules.h"

namespace afbs::bench {

namespace {

using tuning::BayesianOptimizer;
using tuning::BayesianOptimizerOptions;
using tuning::StandardFunction;

double thread_cpu_ms() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return double(now.tv_sec) * 1e3 + double(now.tv_nsec) * 1e-6;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double mean(const std::vector<double>& values) {
  double sum = 0.0;
  for (double value : values)
    sum += value;
  return values.empty() ? 0.0 : sum / double(values.size());
}

// Disc constraint of the constrained Branin problem: only the minimum at (pi, 2.275) inside.
double disc_constraint(const Eigen::VectorXd& x) {
  return std::pow(x[0] - 2.5, 2) + std::pow(x[1] - 7.5, 2) - 5.5 * 5.5;
}

struct AskTiming {
  std::string function;
  int dimension = 0;
  int observations = 0;
  std::vector<double> wall_ms, cpu_ms;
};

constexpr int kTimedAsks = 10;

// Runs the optimiser on `f` untimed up to observations - kTimedAsks / 2, then times the next
// kTimedAsks asks (so they straddle `observations`), once per repetition (seed).
Result<AskTiming> time_asks(const StandardFunction& f, int observations, int repetitions) {
  AskTiming timing{f.name, f.box.dimension(), observations, {}, {}};
  for (int repetition = 0; repetition < repetitions; ++repetition) {
    BayesianOptimizerOptions options;
    options.seed = std::uint64_t(1000 + repetition);
    auto optimizer = BayesianOptimizer::create(f.box, options);
    if (!optimizer) return optimizer.error();
    const int untimed = observations - kTimedAsks / 2;
    for (int i = 0; i < untimed + kTimedAsks; ++i) {
      const auto wall_start = std::chrono::steady_clock::now();
      const double cpu_start = thread_cpu_ms();
      auto point = optimizer->ask();
      const double cpu = thread_cpu_ms() - cpu_start;
      const double wall =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start)
              .count();
      if (!point) return point.error();
      if (i >= untimed) {
        timing.wall_ms.push_back(wall);
        timing.cpu_ms.push_back(cpu);
      }
      if (Status told = optimizer->tell(*point, f.evaluate(*point)); !told) return told.error();
    }
  }
  return timing;
}

struct RegretRun {
  std::string problem;
  int budget = 0;
  double optimum = 0.0;
  double threshold = 0.0;  // what the tests require of the median
  std::vector<double> regrets;
  double wall_seconds = 0.0;
};

Result<RegretRun> measure_regret(const std::string& problem, const StandardFunction& f,
                                 bool constrained, int budget, double optimum, double threshold,
                                 int seeds) {
  RegretRun run{problem, budget, optimum, threshold, {}, 0.0};
  const auto start = std::chrono::steady_clock::now();
  for (int seed = 0; seed < seeds; ++seed) {
    BayesianOptimizerOptions options;
    options.seed = std::uint64_t(seed);
    if (constrained) options.constraint_thresholds = {0.0};
    auto outcome = tuning::optimize(
        [&](const Eigen::VectorXd& x) -> Result<tuning::Evaluation> {
          tuning::Evaluation evaluation{f.evaluate(x), {}};
          if (constrained) evaluation.constraints = {disc_constraint(x)};
          return evaluation;
        },
        f.box, options, tuning::BudgetStop(budget));
    if (!outcome) return outcome.error();
    run.regrets.push_back(outcome->best ? outcome->best->objective - optimum : INFINITY);
  }
  run.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

// The constrained optimum by a dense grid, as the test computes it.
double constrained_branin_optimum(const StandardFunction& f) {
  double best = INFINITY;
  Eigen::VectorXd x(2);
  for (int i = 0; i <= 3000; ++i) {
    for (int j = 0; j <= 3000; ++j) {
      x << -5.0 + 0.005 * i, 0.005 * j;
      if (disc_constraint(x) <= 0.0) best = std::min(best, f.evaluate(x));
    }
  }
  return best;
}

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string scientific(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2e", value);
  return text;
}

}  // namespace

int run_optimiser(const std::vector<std::string>& argv, const std::string& command_line) {
  auto args = cli::CliArgs::parse(argv, {"seeds", "repetitions", "out"}, {});
  if (!args) return fail_usage(args.error().message);
  auto seeds = args->get_int("seeds", 10);
  auto repetitions = args->get_int("repetitions", 5);
  if (!seeds || *seeds < 1) return fail("--seeds must be a positive integer");
  if (!repetitions || *repetitions < 1) return fail("--repetitions must be a positive integer");
  const std::string out = args->get("out", "bench/results");
  const RunProvenance provenance = describe_run(command_line);

  const StandardFunction branin = tuning::branin();
  const StandardFunction hartmann6 = tuning::hartmann6();
  std::vector<AskTiming> timings;
  for (const StandardFunction* f : {&branin, &hartmann6}) {
    for (int observations : {40, 100}) {
      std::printf("timing ask() on %s around %d observations...\n", f->name.c_str(), observations);
      std::fflush(stdout);
      auto timing = time_asks(*f, observations, int(*repetitions));
      if (!timing) return fail(timing.error().message);
      timings.push_back(*timing);
    }
  }
  std::vector<RegretRun> regrets;
  const auto add_regret = [&](Result<RegretRun> run) {
    if (run) regrets.push_back(*run);
    return run.ok() ? std::string() : run.error().message;
  };
  std::printf("regret over %lld seeds...\n", *seeds);
  std::fflush(stdout);
  for (std::string error :
       {add_regret(measure_regret("branin", branin, false, 40, branin.minimum, 0.01, int(*seeds))),
        add_regret(measure_regret("hartmann6", hartmann6, false, 100, hartmann6.minimum, 0.1,
                                  int(*seeds))),
        add_regret(measure_regret("branin-in-disc (constrained)", branin, true, 50,
                                  constrained_branin_optimum(branin), 0.01, int(*seeds)))}) {
    if (!error.empty()) return fail(error);
  }

  nlohmann::json json;
  json["benchmark"] = "optimiser";
  json["date"] = provenance.date_utc;
  json["machine"] = provenance.machine;
  json["commit"] = provenance.commit;
  json["command"] = provenance.command;
  json["load_average"] = provenance.load_average;
  json["note"] =
      "ask() times: the asks straddling the given number of observations (half before, half "
      "after) in real optimiser runs, one run per repetition; every 5th ask restarts the "
      "hyperparameter fit from random points, so mean and max exceed the median. cpu_ms is "
      "the calling thread's CPU time (robust on a shared machine), wall_ms the elapsed time.";
  std::ostringstream markdown;
  markdown << "# Optimiser benchmark\n\n"
           << "- date: " << provenance.date_utc << "\n- machine: " << provenance.machine
           << "\n- commit: " << provenance.commit << "\n- command: `" << provenance.command
           << "`\n- load average at start (1/5/15 min): " << provenance.load_average
           << " (a shared machine: trust CPU ms over wall ms)"
           << "\n\n## Time per ask() (GP fit + acquisition search)\n\n"
           << "Asks straddling the number of observations in real runs (" << kTimedAsks
           << " asks x " << *repetitions
           << " runs). Every 5th ask restarts the hyperparameter fit, hence mean > median.\n\n"
           << "| function | d | observations | median CPU ms | mean CPU ms | max CPU ms | median "
              "wall ms |\n|---|---|---|---|---|---|---|\n";
  for (const AskTiming& timing : timings) {
    const double max_cpu = *std::max_element(timing.cpu_ms.begin(), timing.cpu_ms.end());
    json["ask_time"].push_back({{"function", timing.function},
                                {"dimension", timing.dimension},
                                {"observations", timing.observations},
                                {"samples", timing.cpu_ms.size()},
                                {"median_cpu_ms", median(timing.cpu_ms)},
                                {"mean_cpu_ms", mean(timing.cpu_ms)},
                                {"max_cpu_ms", max_cpu},
                                {"median_wall_ms", median(timing.wall_ms)},
                                {"mean_wall_ms", mean(timing.wall_ms)},
                                {"cpu_ms", timing.cpu_ms},
                                {"wall_ms", timing.wall_ms}});
    markdown << "| " << timing.function << " | " << timing.dimension << " | " << timing.observations
             << " | " << fixed(median(timing.cpu_ms), 1) << " | " << fixed(mean(timing.cpu_ms), 1)
             << " | " << fixed(max_cpu, 1) << " | " << fixed(median(timing.wall_ms), 1) << " |\n";
  }
  markdown << "\n## Regret (best value found - optimum), " << *seeds << " seeds\n\n"
           << "| problem | budget | optimum | median regret | worst regret | test requires | "
              "wall s (all seeds) |\n|---|---|---|---|---|---|---|\n";
  for (const RegretRun& run : regrets) {
    const double worst = *std::max_element(run.regrets.begin(), run.regrets.end());
    json["regret"].push_back({{"problem", run.problem},
                              {"budget", run.budget},
                              {"optimum", run.optimum},
                              {"seeds", run.regrets.size()},
                              {"regrets", run.regrets},
                              {"median_regret", median(run.regrets)},
                              {"test_threshold", run.threshold},
                              {"wall_seconds", run.wall_seconds}});
    markdown << "| " << run.problem << " | " << run.budget << " | " << fixed(run.optimum, 6)
             << " | " << scientific(median(run.regrets)) << " | " << scientific(worst) << " | < "
             << run.threshold << " | " << fixed(run.wall_seconds, 1) << " |\n";
  }

  for (const auto& [path, text] : {std::pair{out + "/optimiser.json", json.dump(2) + "\n"},
                                   std::pair{out + "/optimiser.md", markdown.str()}}) {
    if (Status written = write_file_atomically(path, text); !written) {
      return fail(written.error().message);
    }
    std::printf("wrote %s\n", path.c_str());
  }
  std::printf("%s", markdown.str().c_str());
  return 0;
}

}  // namespace afbs::bench
