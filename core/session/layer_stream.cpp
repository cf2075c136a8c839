#include "core/session/layer_stream.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/attention/attention_evaluator.h"
#include "core/eval/perplexity.h"
#include "core/model/capture_attention.h"
#include "core/model/torch_errors.h"

namespace afbs {

LayerStream::LayerStream(const Model& model, AttentionEvaluator& evaluator,
                         std::vector<Window> windows, bool score)
    : model_(model),
      evaluator_(evaluator),
      windows_(std::move(windows)),
      streams_(windows_.size()),
      score_(score),
      nll_sums_(windows_.size(), -1.0) {}

void LayerStream::release() {
  if (held_layer_ >= 0) evaluator_.release_layer(held_layer_);
  held_layer_ = -1;
  for (ResidualStream& stream : streams_)
    stream = ResidualStream{};
}

Status LayerStream::advance_window(std::size_t w, int layer) {
  ResidualStream& stream = streams_[w];
  // Dense up to the layer, then one step that records the layer's Q/K/V on its way through.
  while (stream.next_layer < layer) {
    if (Status advanced = model_.advance(stream); !advanced) return advanced;
    ++layer_forwards_;
  }
  // Kept on the model's device: the evaluator takes them there without a round trip.
  CaptureAttention capture(layer + 1, &model_.dense_attention(), CaptureResidence::where_computed);
  capture.keep_only({layer});
  if (Status advanced = model_.advance(stream, &capture); !advanced) return advanced;
  ++layer_forwards_;
  if (score_ && stream.next_layer == model_.config().num_layers && nll_sums_[w] < 0.0) {
    Result<at::Tensor> hidden = model_.final_hidden(stream);
    if (!hidden) return hidden.error();
    nll_sums_[w] = summed_window_nll(model_, *hidden, model_.token_tensor(windows_[w].tokens));
  }
  const LayerQkv& qkv = capture.layers()[static_cast<std::size_t>(layer)];
  return evaluator_.add_capture(layer, static_cast<int>(windows_[w].id), qkv.q, qkv.k, qkv.v);
}

Status LayerStream::bring_to(int layer, StopFlags stop, const Progress& progress) {
  if (layer == held_layer_) return {};
  const auto started = std::chrono::steady_clock::now();
  const auto finish = [&](Status status) {
    if (!status) {  // half-advanced streams and a partial layer are not kept
      if (layer >= 0) evaluator_.release_layer(layer);
      release();
    }
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return status;
  };
  if (layer < 0 || layer >= model_.config().num_layers) {
    return finish(Error{"capture: layer " + std::to_string(layer) + " is not in the model (" +
                        std::to_string(model_.config().num_layers) + " layers)"});
  }
  if (held_layer_ >= 0) evaluator_.release_layer(held_layer_);
  held_layer_ = -1;
  bool restarted = false;
  for (std::size_t w = 0; w < windows_.size(); ++w) {
    if (stop.wait_while_paused()) return finish(Error{"cancelled"});
    ResidualStream& stream = streams_[w];
    if (!stream.hidden.defined() || stream.next_layer > layer) {
      Result<ResidualStream> embedded = Error{""};
      try {
        embedded = model_.embed(model_.token_tensor(windows_[w].tokens));
      } catch (const std::exception& error) {
        embedded = torch_error("embedding", error);
      }
      if (!embedded) return finish(with_context("capture", embedded.error()));
      stream = std::move(*embedded);
      restarted = true;
    }
    if (Status captured = advance_window(w, layer); !captured) {
      return finish(with_context("capture of layer " + std::to_string(layer) + ", window " +
                                     std::to_string(windows_[w].id),
                                 captured.error()));
    }
    if (progress) progress(static_cast<int>(w + 1), static_cast<int>(windows_.size()));
  }
  if (restarted) ++passes_;
  held_layer_ = layer;
  if (score_ && !dense_perplexity_ && !windows_.empty() &&
      std::all_of(nll_sums_.begin(), nll_sums_.end(), [](double nll) { return nll >= 0.0; })) {
    double nll = 0.0;  // in window order, as compute_perplexity adds its forwards
    for (double window_nll : nll_sums_)
      nll += window_nll;
    const double perplexity =
        windows_perplexity(nll, static_cast<int64_t>(windows_.size()),
                           static_cast<int64_t>(windows_.front().tokens.size()));
    if (std::isfinite(perplexity)) dense_perplexity_ = perplexity;
  }
  return finish({});
}

}  // namespace afbs
