#include "core/eval/qkv_capture.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "core/eval/perplexity.h"
#include "core/model/model.h"
#include "core/model/torch_errors.h"

namespace afbs {

Result<std::vector<WindowCapture>> capture_windows(
    const Model& model, const std::vector<int32_t>& stream, int64_t length,
    const std::vector<int64_t>& windows, StopFlags stop,
    const std::function<void(int windows_done)>& done, const std::vector<int>& layers, bool score) {
  if (length < 1) return Error{"capture: length must be positive"};
  const int64_t available = static_cast<int64_t>(stream.size()) / length;
  std::vector<WindowCapture> captures;
  for (int64_t window : windows) {
    if (stop.wait_while_paused()) return Error{"cancelled"};
    if (window < 0 || window >= available) {
      return Error{"capture: window " + std::to_string(window) + " does not exist (the text has " +
                   std::to_string(available) + " windows of " + std::to_string(length) +
                   " tokens)"};
    }
    try {
      std::vector<int32_t> slice(stream.begin() + window * length,
                                 stream.begin() + (window + 1) * length);
      c10::NoGradGuard no_grad;
      const at::Tensor tokens = model.token_tensor(slice);
      auto captured = model.capture(tokens, layers);
      if (!captured) return captured.error();
      WindowCapture capture;
      capture.window = window;
      if (score) capture.nll_sum = summed_window_nll(model, captured->hidden, tokens);
      auto first_of_batch = [](const at::Tensor& t) {
        return t.defined() ? t.select(0, 0).contiguous() : at::Tensor();
      };
      for (auto& layer : captured->layers) {
        capture.q.push_back(first_of_batch(layer.q));
        capture.k.push_back(first_of_batch(layer.k));
        capture.v.push_back(first_of_batch(layer.v));
      }
      captures.push_back(std::move(capture));
      if (done) done(static_cast<int>(captures.size()));
    } catch (const std::exception& error) {
      return torch_error("capture of window " + std::to_string(window) + " (" +
                             std::to_string(length) + " tokens)",
                         error);
    }
  }
  return captures;
}

}  // namespace afbs
