// afbs-bench attention: throughput of the evaluator the tuners call (head-evaluations per
// second) and what its caches buy, measured side by side in one run on the same inputs:
// the cached evaluator (dense output, block summaries and sorted score rows kept per
// length) against one that recomputes all of it for every call.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include <ATen/ATen.h>

#include "app/bench/commands.h"
#include "app/bench/result_files.h"
#include "app/tune/cli_args.h"
#include "core/attention/attention_evaluator.h"
#include "core/model/torch_runtime.h"

namespace afbs::bench {
namespace {

// The attention shape: the demo model's by default (--heads, --kv-heads, --head-dim).
struct HeadShape {
  int64_t query_heads = 8;
  int64_t kv_heads = 2;
  int64_t head_dim = 64;
};

struct Heads {
  at::Tensor q, k, v;
};

// Local + sink structure, so masks look like a real model's: keys follow a "topic" that
// changes every 64 tokens, queries resemble their own keys, and every query leans towards
// a sink direction held by the first four keys.
Heads structured_heads(const HeadShape& shape, int64_t length, uint64_t seed) {
  at::manual_seed(seed);
  const at::Tensor topics = at::randn({shape.kv_heads, length / 64 + 2, shape.head_dim});
  const at::Tensor topic_of = ((at::arange(length) + 17) / 64).to(at::kLong);
  at::Tensor k =
      topics.index_select(1, topic_of) * 1.5 + at::randn({shape.kv_heads, length, shape.head_dim});
  const at::Tensor sink = at::randn({shape.kv_heads, 1, shape.head_dim});
  k.narrow(1, 0, 4).add_(sink * 3.0);
  const at::Tensor q = (k + sink * 0.5).repeat_interleave(shape.query_heads / shape.kv_heads, 0) +
                       at::randn({shape.query_heads, length, shape.head_dim});
  return {q.contiguous(), k.contiguous(), at::randn({shape.kv_heads, length, shape.head_dim})};
}

// A tuning-like sweep: each call scores all heads, each head at its own (θ, τ, λ).
std::vector<std::vector<HeadSetting>> setting_sweep(const HeadShape& shape, int calls) {
  const double thetas[] = {0.1, 0.3, 0.5};
  const double taus[] = {0.5, 0.8, 0.9, 0.95, 0.98};
  const double lambdas[] = {50.0, 50.0, 8.0};
  std::vector<std::vector<HeadSetting>> sweep;
  for (int c = 0; c < calls; ++c) {
    std::vector<HeadSetting> heads;
    for (int h = 0; h < shape.query_heads; ++h) {
      HeadSetting s;
      s.theta = thetas[(c + h) % 3];
      s.tau = taus[(c * 3 + h) % 5];
      s.lambda = lambdas[(c + 2 * h) % 3];
      heads.push_back(s);
    }
    sweep.push_back(heads);
  }
  return sweep;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

struct SweepResult {
  double seconds = 0;
  double mean_sparsity = 0;
  double mean_error = 0;
};

Result<SweepResult> run_sweep(AttentionEvaluator& evaluator, int64_t length,
                              const std::vector<std::vector<HeadSetting>>& sweep) {
  SweepResult result;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& settings : sweep) {
    auto metrics = evaluator.evaluate_all_heads(0, 0, length, settings);
    if (!metrics) return metrics.error();
    for (const HeadMetrics& m : *metrics) {
      result.mean_sparsity += m.sparsity;
      result.mean_error += m.error;
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double evaluations = static_cast<double>(sweep.size() * sweep.front().size());
  result.mean_sparsity /= evaluations;
  result.mean_error /= evaluations;
  return result;
}

struct LengthFigures {
  int64_t length = 0;
  double first_call_seconds = 0;  // cold cache: dense output + summaries + sweep's first call
  std::vector<double> cached_seconds, recomputed_seconds;
  double mean_sparsity = 0, mean_error = 0;
  double other_sparsity = 0, other_error = 0;  // the second evaluator's
  bool identical = true;  // the two evaluators' metrics agree (exactly on the CPU)
};

}  // namespace

int run_attention(const std::vector<std::string>& argv, const std::string& command_line) {
  auto args = cli::CliArgs::parse(argv,
                                  {"lengths", "calls", "repetitions", "threads", "out", "device",
                                   "heads", "kv-heads", "head-dim"},
                                  {});
  if (!args) return fail_usage(args.error().message);
  // On a GPU the two evaluators compared are our CUDA kernels and the whole-tensor ATen path
  // (both cached); on the CPU, the cached evaluator and one that recomputes everything.
  const std::string device = args->get("device", "cpu");
  const bool gpu = device != "cpu";
  HeadShape shape;
  for (auto [name, value] : {std::pair{"heads", &shape.query_heads},
                             {"kv-heads", &shape.kv_heads},
                             {"head-dim", &shape.head_dim}}) {
    auto parsed = args->get_int(name, *value);
    if (!parsed || *parsed < 1)
      return fail(std::string("--") + name + " must be a positive integer");
    *value = *parsed;
  }
  if (shape.query_heads % shape.kv_heads != 0)
    return fail("--heads must be a multiple of --kv-heads");
  const char* label_a = gpu ? "kernels" : "cached";
  const char* label_b = gpu ? "ATen" : "recomputed";
  auto calls = args->get_int("calls", 6);
  auto repetitions = args->get_int("repetitions", 3);
  auto threads = args->get_int("threads", 0);
  if (!calls || *calls < 1) return fail("--calls must be a positive integer");
  if (!repetitions || *repetitions < 1) return fail("--repetitions must be a positive integer");
  if (!threads || *threads < 0) return fail("--threads must be 0 (all cores) or positive");
  std::vector<int64_t> lengths;
  std::stringstream list(args->get("lengths", "1024,4096"));
  for (std::string item; std::getline(list, item, ',');) {
    try {
      lengths.push_back(std::stoll(item));
    } catch (const std::exception&) {
      return fail("--lengths: '" + item + "' is not a whole number");
    }
    if (lengths.back() < 64) return fail("--lengths: each length must be at least 64 tokens");
  }
  const std::string out = args->get("out", "bench/results");
  const int thread_count = configure_torch_threads(static_cast<int>(*threads));
  const RunProvenance provenance = describe_run(command_line);
  const auto sweep = setting_sweep(shape, static_cast<int>(*calls));

  std::vector<LengthFigures> figures;
  for (int64_t length : lengths) {
    std::printf("attention evaluator at %lld tokens...\n", static_cast<long long>(length));
    std::fflush(stdout);
    const Heads heads = structured_heads(shape, length, 7);
    AttentionEvaluator cached({.blocks = {}, .cache = true, .device = device, .kernels = true});
    AttentionEvaluator recomputing(
        {.blocks = {}, .cache = !gpu, .device = device, .kernels = false});
    for (AttentionEvaluator* evaluator : {&cached, &recomputing}) {
      if (Status added = evaluator->add_capture(0, 0, heads.q, heads.k, heads.v); !added) {
        return fail(added.error().message);
      }
    }
    LengthFigures f;
    f.length = length;
    const auto cold = std::chrono::steady_clock::now();
    if (auto first = cached.evaluate_all_heads(0, 0, length, sweep.front()); !first) {
      return fail(first.error().message);
    }
    f.first_call_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - cold).count();
    for (int64_t r = 0; r < *repetitions; ++r) {  // interleaved, same inputs, same settings
      auto warm = run_sweep(cached, length, sweep);
      if (!warm) return fail(warm.error().message);
      auto fresh = run_sweep(recomputing, length, sweep);
      if (!fresh) return fail(fresh.error().message);
      f.cached_seconds.push_back(warm->seconds);
      f.recomputed_seconds.push_back(fresh->seconds);
      f.mean_sparsity = warm->mean_sparsity;
      f.mean_error = warm->mean_error;
      // On a GPU the two paths round differently: sparsity within 1e-6, error within 1 %.
      f.identical =
          f.identical && (gpu ? std::abs(warm->mean_sparsity - fresh->mean_sparsity) < 1e-6 &&
                                    std::abs(warm->mean_error - fresh->mean_error) <=
                                        0.01 * std::max(warm->mean_error, 1e-9)
                              : warm->mean_sparsity == fresh->mean_sparsity &&
                                    warm->mean_error == fresh->mean_error);
      f.other_sparsity = fresh->mean_sparsity;
      f.other_error = fresh->mean_error;
    }
    figures.push_back(f);
  }

  const double evaluations_per_sweep = static_cast<double>(*calls * shape.query_heads);
  nlohmann::ordered_json json;
  json["benchmark"] = "attention";
  json["date"] = provenance.date_utc;
  json["machine"] = provenance.machine;
  json["commit"] = provenance.commit;
  json["command"] = provenance.command;
  json["load_average"] = provenance.load_average;
  json["threads"] = thread_count;
  const char* wait_policy = std::getenv("OMP_WAIT_POLICY");
  json["omp_wait_policy"] = wait_policy ? wait_policy : "(default)";
  json["shape"] = {{"query_heads", shape.query_heads},
                   {"kv_heads", shape.kv_heads},
                   {"head_dim", shape.head_dim},
                   {"blocks", "64x64"}};
  json["note"] =
      "A head-evaluation is one head scored at one (theta, tau, lambda) on one window at one "
      "length. Each sweep is `calls` evaluator calls, all heads per call at per-head settings. "
      "cached: dense output, block summaries and sorted score rows reused (warm); recomputed: "
      "all of it rebuilt per call. Sweeps interleaved, median of the repetitions.";
  std::ostringstream md;
  md << "# Attention evaluator benchmark ("
     << (gpu ? device + ": our kernels vs the ATen path" : "CPU") << ")\n\n"
     << "- date: " << provenance.date_utc << "\n- machine: " << provenance.machine
     << "\n- commit: " << provenance.commit << "\n- command: `" << provenance.command
     << "`\n- load average at start (1/5/15 min): " << provenance.load_average
     << "\n- threads: " << thread_count
     << ", OMP_WAIT_POLICY=" << (wait_policy ? wait_policy : "(default)")
     << "\n- shape: " << shape.query_heads << " query heads, " << shape.kv_heads
     << " KV heads, head dim " << shape.head_dim
     << ", blocks 64x64, structured local + sink Q/K\n- each sweep: " << *calls << " calls x "
     << shape.query_heads << " heads, per-head settings; median of " << *repetitions
     << " interleaved repetitions\n\n"
     << "| tokens | " << label_a << " head-evals/s | " << label_b << " head-evals/s | " << label_a
     << " speedup | first call s | mean sparsity | mean error | " << label_b
     << " sparsity / error | agree |\n|---|---|---|---|---|---|---|---|---|\n";
  for (const LengthFigures& f : figures) {
    const double cached = median(f.cached_seconds), recomputed = median(f.recomputed_seconds);
    const double speedup = recomputed / cached;
    json["lengths"].push_back(
        {{"tokens", f.length},
         {"head_evaluations_per_sweep", evaluations_per_sweep},
         {"cached_seconds", f.cached_seconds},
         {"recomputed_seconds", f.recomputed_seconds},
         {"cached_head_evaluations_per_second", evaluations_per_sweep / cached},
         {"recomputed_head_evaluations_per_second", evaluations_per_sweep / recomputed},
         {"cache_speedup", speedup},
         {"first_call_seconds", f.first_call_seconds},
         {"mean_sparsity", f.mean_sparsity},
         {"mean_error", f.mean_error},
         {"cached_equals_recomputed", f.identical},
         {"paths", gpu ? "cached = our kernels, recomputed = ATen path (cached)"
                       : "cached vs recomputed, CPU reference"},
         {"other_mean_sparsity", f.other_sparsity},
         {"other_mean_error", f.other_error}});
    char row[320];
    std::snprintf(
        row, sizeof row, "| %lld | %.1f | %.1f | %.2fx | %.3f | %.3f | %.4f | %.3f / %.4f | %s |\n",
        static_cast<long long>(f.length), evaluations_per_sweep / cached,
        evaluations_per_sweep / recomputed, speedup, f.first_call_seconds, f.mean_sparsity,
        f.mean_error, f.other_sparsity, f.other_error, f.identical ? "yes" : "NO");
    md << row;
  }
  for (const auto& [path, text] : {std::pair{out + "/attention.json", json.dump(2) + "\n"},
                                   std::pair{out + "/attention.md", md.str()}}) {
    if (Status written = write_file_atomically(path, text); !written) {
      return fail(written.error().message);
    }
    std::printf("wrote %s\n", path.c_str());
  }
  std::printf("%s", md.str().c_str());
  return 0;
}

}  // namespace afbs::bench
