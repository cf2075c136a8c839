#include "core/eval/qkv_capture.h"

#include <ATen/ATen.h>

#include "core/model/model.h"

namespace afbs {

Result<std::vector<WindowCapture>> capture_windows(
    const Model& model, const std::vector<int32_t>& stream, int64_t length,
    const std::vector<int64_t>& windows, StopFlags stop,
    const std::function<void(int windows_done)>& done) {
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
      auto layers = model.capture(model.token_tensor(slice));
      if (!layers) return layers.error();
      WindowCapture capture;
      capture.window = window;
      for (auto& layer : *layers) {
        capture.q.push_back(layer.q.select(0, 0).contiguous());
        capture.k.push_back(layer.k.select(0, 0).contiguous());
        capture.v.push_back(layer.v.select(0, 0).contiguous());
      }
      captures.push_back(std::move(capture));
      if (done) done(static_cast<int>(captures.size()));
    } catch (const std::exception& error) {
      return Error{std::string("capture: ") + error.what()};
    }
  }
  return captures;
}

}  // namespace afbs
