// afbs-tune perplexity: DESIGN.md §9's perplexity of a text under a model.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "app/tune/commands.h"
#include "app/tune/model_options.h"
#include "app/tune/out_of_memory_advice.h"
#include "app/tune/sparse_attention_option.h"
#include "core/common/atomic_file.h"
#include "core/eval/perplexity.h"
#include "core/model/sparse_support.h"
#include "core/tokenizer/tokenizer.h"

namespace afbs::cli {
namespace {

// "\r"-rewritten line on a terminal; nothing when stderr is redirected.
void show_progress(const PerplexityProgress& progress) {
  const double rate = progress.seconds > 0 ? progress.tokens_done / progress.seconds : 0;
  std::fprintf(stderr, "\rperplexity: window %lld/%lld, %.0f tokens/s   ",
               static_cast<long long>(progress.windows_done),
               static_cast<long long>(progress.windows_total), rate);
  std::fflush(stderr);
}

}  // namespace

int run_perplexity(const std::vector<std::string>& argv) {
  auto args = CliArgs::parse(
      argv,
      with_sparse_options(with_model_options({"text", "length", "max-windows", "batch-tokens"})),
      {"json", "bos", "compare-dense", "quiet"});
  if (!args) return fail_usage(args.error().message);
  if (auto threads = apply_thread_option(*args); !threads) return fail(threads.error().message);
  auto dir = resolve_model_dir(*args);
  if (!dir) return fail(dir.error().message);
  const std::filesystem::path text_path =
      args->get("text", default_data_file("kjv-validation.txt").string());
  auto text = read_file_bytes(text_path);
  if (!text) return fail(text.error().message + " (name a text with --text FILE)");
  auto tokenizer = load_tokenizer(*dir);
  if (!tokenizer) return fail(tokenizer.error().message);
  auto model = Model::load(*dir, model_options_from(*args));
  if (!model) return fail(model.error().message);
  const ModelConfig& config = (*model)->config();
  auto sparse = sparse_attention_from(*args, **model);  // --config / --preset, else dense
  if (!sparse) return fail(sparse.error().message);

  auto length = args->get_int("length", std::min<int64_t>(2048, config.max_position_embeddings));
  if (!length) return fail(length.error().message);
  if (*sparse) {
    if (Status supported = sparse_attention_supported(config, *length); !supported) {
      return fail(supported.error().message);
    }
  }
  auto max_windows = args->get_int("max-windows", 0);
  if (!max_windows) return fail(max_windows.error().message);
  PerplexityOptions options;
  options.window_tokens = *length;
  options.max_windows = *max_windows;
  options.prepend_bos = args->has("bos");
  options.attention = sparse->get();
  options.bos_id = (*tokenizer)->bos_id() >= 0    ? (*tokenizer)->bos_id()
                   : config.bos_token_ids.empty() ? -1
                                                  : config.bos_token_ids.front();
  // Fuller batches on a GPU (--batch-tokens lowers them when the device's memory is short);
  // one window per forward on the CPU, where it measured fastest.
  auto batch_tokens =
      args->get_int("batch-tokens", (*model)->device_name() != "cpu" ? 32768 : *length);
  if (!batch_tokens) return fail(batch_tokens.error().message);
  if (*batch_tokens < 1) return fail("--batch-tokens must be at least 1");
  options.batch_tokens = *batch_tokens;
  // A failed pass, with what to lower when it ran out of memory.
  auto failed = [&](const Error& error) {
    if (!error.out_of_memory) return fail(error.message);
    return fail(error.message + "\n" +
                perplexity_memory_advice(*length, *batch_tokens, (*model)->dtype_name()));
  };
  const auto tokens = (*tokenizer)->encode(*text);
  const bool terminal = ::isatty(STDERR_FILENO) != 0 && !args->has("quiet");
  // With a sparse config on a GPU (or --compare-dense), the same windows also run dense, so
  // the speed of the sparse attention is seen beside the model's own. Each pass is timed after
  // an untimed forward at each of its batch shapes (the full batch, then the last, shorter one):
  // CUDA start-up and a backend's per-shape set-up (cuDNN builds a plan per shape) stay out of
  // the timing. A one-window warm-up had left them in the dense pass.
  const bool compare = *sparse && ((*model)->device_name() != "cpu" || args->has("compare-dense"));
  auto timed_pass = [&](LayerAttention* attention, double& seconds) {
    PerplexityOptions pass = options;
    pass.attention = attention;
    if (compare) {
      for (const int64_t windows : perplexity_batch_shapes(tokens, pass)) {
        PerplexityOptions warm = pass;
        warm.max_windows = windows;
        (void)compute_perplexity(**model, tokens, warm, {});
      }
      if (*sparse) (*sparse)->reset_tallies();
    }
    const auto started = std::chrono::steady_clock::now();
    auto result = compute_perplexity(
        **model, tokens, pass,
        terminal ? show_progress : std::function<void(const PerplexityProgress&)>{});
    if (terminal) std::fprintf(stderr, "\r%60s\r", "");
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
  };
  double dense_seconds = 0.0, seconds = 0.0;
  std::optional<PerplexityResult> dense;
  if (compare) {
    auto dense_result = timed_pass(nullptr, dense_seconds);
    if (!dense_result) return failed(dense_result.error());
    dense = *dense_result;
  }
  auto result = timed_pass(options.attention, seconds);
  if (!result) return failed(result.error());
  // Tokens the forwards ran (every window's), not the text's length: --max-windows may stop
  // long before the text ends.
  const double processed = static_cast<double>(result->windows * *length);
  const double tokens_per_second = seconds > 0 ? processed / seconds : 0.0;
  const double dense_tokens_per_second =
      dense && dense_seconds > 0 ? processed / dense_seconds : 0.0;

  if (args->has("json")) {
    nlohmann::ordered_json out = {{"model", dir->string()},
                                  {"text", text_path.string()},
                                  {"length", *length},
                                  {"bos", options.prepend_bos},
                                  {"device", (*model)->device_name()},
                                  {"dtype", (*model)->dtype_name()},
                                  {"tokens", result->tokens},
                                  {"windows", result->windows},
                                  {"predicted", result->predicted},
                                  {"nll", result->nll},
                                  {"perplexity", result->perplexity},
                                  {"seconds", seconds},
                                  {"tokens_per_second", tokens_per_second}};
    if (dense) {
      out["dense"] = {{"perplexity", dense->perplexity},
                      {"seconds", dense_seconds},
                      {"tokens_per_second", dense_tokens_per_second}};
    }
    if (*sparse) {
      out["attention"] = sparse_attention_label(*args);
      out["sparsity"] = (*sparse)->mean_sparsity();  // mean over layers × heads, as run
      out["pv_skip_rate"] = (*sparse)->skip_rate();
    }
    std::printf("%s\n", out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("model       %s (%s, %s)\n", dir->string().c_str(), (*model)->device_name().c_str(),
              (*model)->dtype_name().c_str());
  std::printf("text        %s\n", text_path.string().c_str());
  std::printf("tokens      %lld\n", static_cast<long long>(result->tokens));
  std::printf("windows     %lld of %lld tokens\n", static_cast<long long>(result->windows),
              static_cast<long long>(*length));
  std::printf("predicted   %lld\n", static_cast<long long>(result->predicted));
  std::printf("nll         %.6f\n", result->nll);
  std::printf("perplexity  %.4f\n", result->perplexity);
  if (*sparse) {
    std::printf("attention   %s\n", sparse_attention_label(*args).c_str());
    std::printf("sparsity    %.4f (mean over layers x heads of causal blocks skipped)\n",
                (*sparse)->mean_sparsity());
  }
  std::printf("seconds     %.1f (%.0f tokens/s)\n", seconds, tokens_per_second);
  if (dense) {
    std::printf("dense       perplexity %.4f, %.1f s (%.0f tokens/s); sparse runs %.2fx dense\n",
                dense->perplexity, dense_seconds, dense_tokens_per_second,
                dense_seconds / std::max(seconds, 1e-9));
  }
  return 0;
}

}  // namespace afbs::cli
