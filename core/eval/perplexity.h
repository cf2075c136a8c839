#pragma once

// Perplexity exactly as DESIGN.md §9 defines it: the text is one token stream (BOS
// prepended once when asked), cut into consecutive non-overlapping windows of N tokens
// (a shorter tail is dropped); in each window every token after the first is predicted
// from those before it; PPL = exp(mean negative log-likelihood over all predictions).

#include <cstdint>
#include <functional>
#include <vector>

#include "core/common/result.h"
#include "core/common/stop_flags.h"
#include "core/model/layer_attention.h"

namespace afbs {

class Model;

struct PerplexityOptions {
  int64_t window_tokens = 0;
  bool prepend_bos = false;
  int64_t bos_id = -1;      // required when prepend_bos
  int64_t max_windows = 0;  // 0: every window
  // Windows per forward: max(1, batch_tokens / N). One by default: on the CPU it measured 2-3x
  // faster than 8 windows at once (scores of one window stay in cache), and every session
  // measure then sums exactly as the capture's forward scores its windows.
  int64_t batch_tokens = 0;
  LayerAttention* attention = nullptr;  // nullptr: the model's dense attention
  StopFlags stop = {};                  // read before each forward: cancel returns an error
};

// Plain values for a progress line.
struct PerplexityProgress {
  int64_t windows_done = 0;
  int64_t windows_total = 0;
  int64_t tokens_done = 0;
  double seconds = 0;  // pauses excluded
};

struct PerplexityResult {
  int64_t tokens = 0;  // length of the stream (BOS included)
  int64_t windows = 0;
  int64_t predicted = 0;  // windows × (N − 1)
  double nll = 0;         // mean negative log-likelihood, nats per predicted token
  double perplexity = 0;
};

// The token stream §9 describes (BOS first when asked).
std::vector<int32_t> perplexity_stream(const std::vector<int32_t>& tokens,
                                       const PerplexityOptions& options);

// The window counts of the forwards compute_perplexity makes over `tokens`, each once: the full
// batch and, when the windows do not fill the last one, that one. Empty when no window fits.
// A timed pass runs each shape once untimed first (a backend may set up per shape).
std::vector<int64_t> perplexity_batch_shapes(const std::vector<int32_t>& tokens,
                                             const PerplexityOptions& options);

// Σ −log p(next token) over a batch of windows [B, N] from the model's final hidden states
// [B, N, hidden]: what compute_perplexity adds up per forward, shared so that a Q/K/V capture
// scores its windows the same way.
double summed_window_nll(const Model& model, const at::Tensor& hidden, const at::Tensor& batch);

// exp(Σ / (windows × (N − 1))): the perplexity of `windows` windows of `window_tokens` tokens
// whose summed_window_nll add up to `nll_sum`; compute_perplexity's, so a perplexity summed
// from a capture's scores is the one compute_perplexity would report.
double windows_perplexity(double nll_sum, int64_t windows, int64_t window_tokens);

// Errors: a window shorter than 2 tokens or longer than the model's context, a text too
// short for one window, the forward's own errors, or "cancelled" (options.stop).
Result<PerplexityResult> compute_perplexity(
    const Model& model, const std::vector<int32_t>& tokens, const PerplexityOptions& options,
    const std::function<void(const PerplexityProgress&)>& progress = {});

}  // namespace afbs
