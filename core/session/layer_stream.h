#pragma once

// Streaming Q/K/V capture (DESIGN.md §3): the session's calibration windows advanced through
// the model one layer at a time. Only the layer being tuned has its captures registered with
// the evaluator, so what a session holds does not grow with the layers it tunes. Each window
// keeps its residual stream between layers: moving on to the next layer runs that one layer
// per window, nothing is recomputed, and nothing past the highest layer asked for is run. A
// layer behind the streams' position (a guard redo, another run of the workbench) restarts
// them from the embedding: a re-stream.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/common/result.h"
#include "core/common/stop_flags.h"
#include "core/model/model.h"

namespace afbs {

class AttentionEvaluator;

class LayerStream {
 public:
  struct Window {
    int64_t id = 0;  // the window's id in the evaluator (its index in the token stream)
    std::vector<int32_t> tokens;
  };
  using Progress = std::function<void(int windows_done, int windows_total)>;

  // `model` and `evaluator` must outlive the stream. With `score`, bringing the streams to the
  // model's last layer also scores each window under the dense model (the layer's forward runs
  // anyway): dense_perplexity() then holds the windows' perplexity at no extra forward.
  LayerStream(const Model& model, AttentionEvaluator& evaluator, std::vector<Window> windows,
              bool score = false);

  // Makes `layer` the one layer whose captures `evaluator` holds: the layer held before is
  // released first, then every window is advanced to `layer` and its Q/K/V registered.
  // `stop` is read before each window (a cancel returns the error "cancelled"); `progress`
  // hears of each window captured. On an error nothing is held and the next call re-streams.
  Status bring_to(int layer, StopFlags stop = {}, const Progress& progress = {});
  // Releases the held layer and the residual streams.
  void release();

  int held_layer() const { return held_layer_; }              // -1: none
  int passes() const { return passes_; }                      // streams started from the embedding
  int64_t layer_forwards() const { return layer_forwards_; }  // window × layer steps run
  double seconds() const { return seconds_; }                 // spent in bring_to
  // Once every window has been through the last layer (with `score`): their dense perplexity,
  // the sum compute_perplexity forms one window per forward.
  std::optional<double> dense_perplexity() const { return dense_perplexity_; }

 private:
  Status advance_window(std::size_t w, int layer);

  const Model& model_;
  AttentionEvaluator& evaluator_;
  std::vector<Window> windows_;
  std::vector<ResidualStream> streams_;  // one per window; undefined before the first layer
  bool score_ = false;
  std::vector<double> nll_sums_;  // per window, once scored
  std::optional<double> dense_perplexity_;
  int held_layer_ = -1;
  int passes_ = 0;
  int64_t layer_forwards_ = 0;
  double seconds_ = 0.0;
};

}  // namespace afbs
