#pragma once

// Q/K/V capture over calibration windows, the tuner's input (DESIGN.md §3): the dense
// model runs once per window of the top fidelity length and each layer's post-RoPE Q, K
// and V are kept as float32 CPU tensors. The model is causal, so the first n positions of
// a capture are the capture of a length-n input: lower fidelities are prefixes
// (narrow(1, 0, n)), with no further forward passes.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "core/common/result.h"
#include "core/common/stop_flags.h"

namespace afbs {

class Model;

struct WindowCapture {
  int64_t window = 0;  // index of the window in the token stream
  // Per layer: q [Hq, L, D], k and v [Hkv, L, D], float32, CPU, contiguous.
  std::vector<at::Tensor> q, k, v;
  // With `score`: Σ −log p(next token) over the window under the dense model (the same sum
  // compute_perplexity forms), so the captured windows' dense perplexity costs no forward.
  double nll_sum = 0.0;
};

// Windows are consecutive non-overlapping slices of `stream` of `length` tokens, as in
// perplexity; `windows` picks which (an index past the last whole window is an error).
// `stop` is read before each window (a cancel returns the error "cancelled"); `done` hears
// of each finished window. `layers` (empty: all) picks the layers kept; the others' tensors
// stay undefined, so a run over a few layers holds only theirs. `score` fills nll_sum.
Result<std::vector<WindowCapture>> capture_windows(
    const Model& model, const std::vector<int32_t>& stream, int64_t length,
    const std::vector<int64_t>& windows, StopFlags stop = {},
    const std::function<void(int windows_done)>& done = {}, const std::vector<int>& layers = {},
    bool score = false);

}  // namespace afbs
