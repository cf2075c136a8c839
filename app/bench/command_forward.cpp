// afbs-bench forward: tokens per second of the model runtime's forward pass, the peak
// resident memory, and (for the parity check against transformers) a logits dump.
//
//   afbs-bench forward MODEL_DIR | --config CONFIG.json  [--tokens N] [--batch B]
//       [--device cpu|cuda] [--dtype f32|bf16|f16] [--threads N] [--repeat R] [--warmup W]
//       [--token-file FILE --dump-logits OUT.npy]
// With --config the weights are random (nothing is read but config.json). Prints JSON.
#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/bench/commands.h"
#include "app/bench/npy_file.h"
#include "app/tune/cli_args.h"
#include "core/model/model.h"
#include "core/model/torch_runtime.h"

namespace afbs::bench {
namespace {

// VmHWM of /proc/self/status: the process's peak resident memory, in bytes.
int64_t peak_resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  }
  return -1;
}

Result<std::vector<int32_t>> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{path + ": cannot be read"};
  std::vector<int32_t> tokens;
  int64_t id = 0;
  while (in >> id)
    tokens.push_back(static_cast<int32_t>(id));
  if (tokens.empty()) return Error{path + ": no token ids"};
  return tokens;
}

Result<std::unique_ptr<Model>> make_model(const cli::CliArgs& args, const ModelOptions& options) {
  if (!args.positionals().empty()) return Model::load(args.positionals().front(), options);
  if (!args.has("config")) return Error{"name a MODEL_DIR or a --config CONFIG.json"};
  std::ifstream in(args.get("config"));
  std::stringstream text;
  text << in.rdbuf();
  auto config = parse_model_config(text.str(), args.get("config"));
  if (!config) return config.error();
  return Model::create_random(*config, options, 1234);
}

}  // namespace

int run_forward(const std::vector<std::string>& argv, const std::string& command_line) {
  auto args = cli::CliArgs::parse(argv,
                                  {"config", "tokens", "batch", "device", "dtype", "threads",
                                   "repeat", "warmup", "token-file", "dump-logits"},
                                  {"json"});
  if (!args) return fail_usage(args.error().message);
  auto threads = args->get_int("threads", 0);
  auto length = args->get_int("tokens", 4096);
  auto batch = args->get_int("batch", 1);
  auto repeat = args->get_int("repeat", 5);
  auto warmup = args->get_int("warmup", 2);
  for (const auto* value : {&threads, &length, &batch, &repeat, &warmup}) {
    if (!*value) return fail(value->error().message);
  }
  const int thread_count = configure_torch_threads(static_cast<int>(*threads));
  ModelOptions options;
  options.device = args->get("device", "cpu");
  options.dtype = args->get("dtype", "");
  options.check_nan = false;
  const auto load_started = std::chrono::steady_clock::now();
  auto model = make_model(*args, options);
  if (!model) return fail(model.error().message);
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_started).count();

  if (args->has("dump-logits")) {
    auto tokens = read_token_file(args->get("token-file"));
    if (!tokens) return fail(tokens.error().message);
    auto logits = (*model)->forward(*tokens);
    if (!logits) return fail(logits.error().message);
    if (auto written = write_npy(args->get("dump-logits"), *logits); !written) {
      return fail(written.error().message);
    }
    std::printf("%s\n", nlohmann::json{{"logits", args->get("dump-logits")},
                                       {"shape", logits->sizes().vec()}}
                            .dump()
                            .c_str());
    return 0;
  }

  at::Tensor tokens = at::randint((*model)->config().vocab_size, {*batch, *length},
                                  at::TensorOptions().dtype(at::kLong));
  std::vector<double> seconds;
  for (int64_t i = 0; i < *warmup + *repeat; ++i) {
    const auto started = std::chrono::steady_clock::now();
    auto logits = (*model)->forward(tokens);
    if (!logits) return fail(logits.error().message);
    (void)logits->view(-1)[0].item<float>();  // waits for the device to finish
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (i >= *warmup) seconds.push_back(elapsed);
  }
  std::vector<double> sorted = seconds;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted.empty() ? 0 : sorted[sorted.size() / 2];
  nlohmann::ordered_json out = {
      {"command", command_line},
      {"architecture", (*model)->config().architecture},
      {"parameters", (*model)->parameter_count()},
      {"device", (*model)->device_name()},
      {"dtype", (*model)->dtype_name()},
      {"threads", thread_count},
      {"batch", *batch},
      {"tokens", *length},
      {"load_seconds", load_seconds},
      {"seconds", seconds},
      {"median_seconds", median},
      {"tokens_per_second", median > 0 ? static_cast<double>(*batch * *length) / median : 0},
      {"peak_rss_bytes", peak_resident_bytes()}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace afbs::bench
