#include "core/engine/attention_layer_evaluator.h"

#include <cmath>
#include <string>

#include "core/attention/attention_evaluator.h"
#include "core/eval/qkv_capture.h"

namespace afbs::engine {
namespace {

// An infinite relative error (a head whose dense output is all zeros, yet the sparse one is
// not) is simply "far over any target"; the ledger refuses non-finite values.
constexpr double kErrorCeiling = 1e9;

}  // namespace

AttentionLayerEvaluator::AttentionLayerEvaluator(AttentionEvaluator& evaluator,
                                                 CalibrationPlan plan)
    : evaluator_(evaluator), plan_(std::move(plan)) {}

Result<std::vector<HeadMetrics>> AttentionLayerEvaluator::evaluate(
    const EvaluationRequest& request) {
  std::vector<HeadRequest> requests;
  for (std::size_t head = 0; head < request.settings.size(); ++head) {
    if (request.active[head]) {
      requests.push_back(HeadRequest{static_cast<int>(head), request.settings[head]});
    }
  }
  Result<std::vector<HeadMetrics>> scored =
      evaluator_.evaluate(request.layer, request.window, request.length_tokens, requests);
  if (!scored) return scored.error();
  std::vector<HeadMetrics> metrics(request.settings.size());
  for (std::size_t n = 0; n < requests.size(); ++n) {
    HeadMetrics m = (*scored)[n];
    if (!std::isfinite(m.error)) m.error = kErrorCeiling;
    if (!std::isfinite(m.skip_rate)) m.skip_rate = 0.0;
    metrics[requests[n].head] = m;
  }
  return metrics;
}

Status register_captures(AttentionEvaluator& evaluator,
                         const std::vector<WindowCapture>& captures) {
  for (const WindowCapture& capture : captures) {
    for (std::size_t layer = 0; layer < capture.q.size(); ++layer) {
      if (!capture.q[layer].defined()) continue;  // a layer the session did not capture
      Status added =
          evaluator.add_capture(static_cast<int>(layer), static_cast<int>(capture.window),
                                capture.q[layer], capture.k[layer], capture.v[layer]);
      if (!added) return added;
    }
  }
  return {};
}

}  // namespace afbs::engine
