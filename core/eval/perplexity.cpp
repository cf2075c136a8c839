#include "core/eval/perplexity.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/model/model.h"
#include "core/model/torch_errors.h"

namespace afbs {
namespace {

// Rows of logits formed at once when scoring, so a large vocabulary never needs
// [windows, N, V] float32 logits in memory.
constexpr int64_t kLogitElementsPerChunk = int64_t{1} << 25;

// Sum of −log p(target) over rows of hidden [R, H] predicting targets [R].
double summed_nll(const Model& model, const at::Tensor& hidden, const at::Tensor& targets) {
  const int64_t rows = hidden.size(0);
  const int64_t chunk = std::max<int64_t>(1, kLogitElementsPerChunk / model.config().vocab_size);
  double total = 0;
  for (int64_t start = 0; start < rows; start += chunk) {
    const int64_t count = std::min(chunk, rows - start);
    at::Tensor logits = model.logits(hidden.narrow(0, start, count)).to(at::kFloat);
    at::Tensor log_probs = at::log_softmax(logits, -1);
    at::Tensor picked = log_probs.gather(1, targets.narrow(0, start, count).unsqueeze(1));
    total -= picked.to(at::kDouble).sum().item<double>();
  }
  return total;
}

// Windows in one forward: one when the run can be stopped, so a stop acts within a window.
int64_t windows_per_forward(const PerplexityOptions& options) {
  const bool stoppable = options.stop.cancel != nullptr || options.stop.pause != nullptr;
  const int64_t n = std::max<int64_t>(options.window_tokens, 1);
  return stoppable ? 1 : std::max<int64_t>(1, options.batch_tokens / n);
}

}  // namespace

std::vector<int64_t> perplexity_batch_shapes(const std::vector<int32_t>& tokens,
                                             const PerplexityOptions& options) {
  if (options.window_tokens < 1) return {};
  int64_t windows =
      static_cast<int64_t>(perplexity_stream(tokens, options).size()) / options.window_tokens;
  if (options.max_windows > 0) windows = std::min(windows, options.max_windows);
  if (windows == 0) return {};
  const int64_t per_forward = windows_per_forward(options);
  std::vector<int64_t> shapes = {std::min(windows, per_forward)};
  if (windows > per_forward && windows % per_forward != 0) shapes.push_back(windows % per_forward);
  return shapes;
}

double summed_window_nll(const Model& model, const at::Tensor& hidden, const at::Tensor& batch) {
  c10::NoGradGuard no_grad;
  const int64_t count = batch.size(0);
  const int64_t n = batch.size(1);
  const int64_t width = hidden.size(-1);
  at::Tensor inputs = hidden.narrow(1, 0, n - 1).reshape({count * (n - 1), width});
  at::Tensor targets = batch.narrow(1, 1, n - 1).reshape({count * (n - 1)}).to(hidden.device());
  return summed_nll(model, inputs, targets);
}

double windows_perplexity(double nll_sum, int64_t windows, int64_t window_tokens) {
  return std::exp(nll_sum /
                  (static_cast<double>(windows) * static_cast<double>(window_tokens - 1)));
}

std::vector<int32_t> perplexity_stream(const std::vector<int32_t>& tokens,
                                       const PerplexityOptions& options) {
  std::vector<int32_t> stream;
  stream.reserve(tokens.size() + 1);
  if (options.prepend_bos) stream.push_back(static_cast<int32_t>(options.bos_id));
  stream.insert(stream.end(), tokens.begin(), tokens.end());
  return stream;
}

Result<PerplexityResult> compute_perplexity(
    const Model& model, const std::vector<int32_t>& tokens, const PerplexityOptions& options,
    const std::function<void(const PerplexityProgress&)>& progress) {
  const int64_t n = options.window_tokens;
  if (n < 2) return Error{"--length " + std::to_string(n) + ": a window needs at least 2 tokens"};
  if (n > model.config().max_position_embeddings) {
    return Error{"--length " + std::to_string(n) + " exceeds the model's context of " +
                 std::to_string(model.config().max_position_embeddings)};
  }
  if (options.prepend_bos && options.bos_id < 0) {
    return Error{"--bos: the model has no BOS token"};
  }
  const std::vector<int32_t> stream = perplexity_stream(tokens, options);
  PerplexityResult result;
  result.tokens = static_cast<int64_t>(stream.size());
  result.windows = result.tokens / n;
  if (options.max_windows > 0) result.windows = std::min(result.windows, options.max_windows);
  if (result.windows == 0) {
    return Error{"the text has " + std::to_string(result.tokens) +
                 " tokens, fewer than one window of " + std::to_string(n)};
  }
  const auto started = std::chrono::steady_clock::now();
  const int64_t per_batch = windows_per_forward(options);
  double total_nll = 0;
  double paused_seconds = 0;
  try {
    c10::NoGradGuard no_grad;
    at::Tensor all = at::tensor(at::ArrayRef<int32_t>(stream.data(), result.windows * n), at::kInt)
                         .to(at::kLong)
                         .view({result.windows, n});
    for (int64_t first = 0; first < result.windows; first += per_batch) {
      if (options.stop.wait_while_paused(&paused_seconds)) return Error{"cancelled"};
      const int64_t count = std::min(per_batch, result.windows - first);
      at::Tensor batch = all.narrow(0, first, count);
      auto hidden = model.hidden_states(batch, options.attention);
      if (!hidden) {
        return with_context("perplexity in windows of " + std::to_string(n) + " tokens",
                            hidden.error());
      }
      total_nll += summed_window_nll(model, *hidden, batch);
      if (progress) {
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() -
            paused_seconds;
        progress({first + count, result.windows, (first + count) * n, seconds});
      }
    }
  } catch (const std::exception& error) {
    return torch_error("perplexity in windows of " + std::to_string(n) + " tokens", error);
  }
  result.predicted = result.windows * (n - 1);
  result.nll = total_nll / static_cast<double>(result.predicted);
  // A NaN perplexity is not a result: it once passed as one, and tune reported success.
  if (!std::isfinite(result.nll)) {
    return Error{"perplexity: the model's outputs are not finite (mean NLL " +
                 std::to_string(result.nll) + "); check its weights and config.json"};
  }
  result.perplexity = windows_perplexity(total_nll, result.windows, n);
  return result;
}

}  // namespace afbs
