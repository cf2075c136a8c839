#include "core/model/sparse_support.h"

#include <sstream>

namespace afbs {

Status sparse_attention_supported(const ModelConfig& config, int64_t max_tokens) {
  const std::string model = config.architecture + " (config.json)";
  if (config.head_dim > kMaxSparseHeadDim) {
    return Error{"sparse attention is not available for " + model + ": head_dim " +
                 std::to_string(config.head_dim) +
                 " exceeds the largest head size the block-sparse kernels take (" +
                 std::to_string(kMaxSparseHeadDim) + "); the model runs dense only"};
  }
  if (config.attn_logit_softcapping > 0) {
    std::ostringstream cap;
    cap << config.attn_logit_softcapping;
    return Error{"sparse attention is not available for " + model + ": attn_logit_softcapping " +
                 cap.str() +
                 " soft-caps attention scores, which the block-sparse path does not; the model "
                 "runs dense only"};
  }
  for (size_t layer = 0; layer < config.layer_windows.size(); ++layer) {
    const int64_t window = config.layer_windows[layer];
    if (window > 0 && max_tokens > window) {
      return Error{"sparse attention on " + model + ": layer " + std::to_string(layer) +
                   " attends within sliding_window " + std::to_string(window) +
                   " tokens, the block-sparse path to every earlier token; use sequences of at "
                   "most " +
                   std::to_string(window) + " tokens (not " + std::to_string(max_tokens) + ")"};
    }
  }
  return {};
}

}  // namespace afbs
