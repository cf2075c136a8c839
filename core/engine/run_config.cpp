#include "core/engine/run_config.h"

#include <string>

namespace afbs::engine {

Status apply_run_to_config(const RunResult& run, const std::vector<int>& ladder,
                           SparseConfig& config) {
  // A config holds one selection rule for every sparse head (each head may have its own
  // fraction or window): a run whose sparse heads' rules differ cannot be written as one, and
  // must not silently run as another.
  const HeadResult* first_sparse = nullptr;
  int first_layer = 0;
  for (const LayerResult& layer : run.layers) {
    for (const HeadResult& result : layer.heads) {
      if (!result.sparse) continue;
      if (first_sparse == nullptr) {
        first_sparse = &result;
        first_layer = layer.layer;
        continue;
      }
      const HeadSetting& a = first_sparse->setting;
      const HeadSetting& b = result.setting;
      if (a.rule != b.rule) {
        return Error{"a config holds one selection rule for every sparse head, but layer " +
                     std::to_string(first_layer) + " head " + std::to_string(first_sparse->head) +
                     " uses " + selection_rule_name(a.rule) + " and layer " +
                     std::to_string(layer.layer) + " head " + std::to_string(result.head) +
                     " uses " + selection_rule_name(b.rule)};
      }
    }
  }
  // A static run's parameter comes from its first sparse head; heads that differ keep theirs.
  if (first_sparse != nullptr && first_sparse->setting.rule != SelectionRule::cumulative &&
      first_sparse->setting.rule != SelectionRule::dense) {
    config.rule = first_sparse->setting.rule;
    config.rule_parameter = first_sparse->setting.rule_parameter;
  }
  for (const LayerResult& layer : run.layers) {
    if (layer.layer < 0 || static_cast<std::size_t>(layer.layer) >= config.layers.size()) {
      return Error{"tuned layer " + std::to_string(layer.layer) + " is not in the config (" +
                   std::to_string(config.layers.size()) + " layers)"};
    }
    std::vector<HeadConfig>& heads = config.layers[layer.layer];
    for (const HeadResult& result : layer.heads) {
      if (result.head < 0 || static_cast<std::size_t>(result.head) >= heads.size()) {
        return Error{"tuned head " + std::to_string(result.head) + " of layer " +
                     std::to_string(layer.layer) + " is not in the config (" +
                     std::to_string(heads.size()) + " heads)"};
      }
      HeadConfig& head = heads[result.head];
      head.rule_parameter.reset();
      // A config holds one rule for all sparse heads: a static run's top-k or window.
      if (result.sparse && result.setting.rule != SelectionRule::cumulative &&
          result.setting.rule != SelectionRule::dense) {
        config.record_static_setting(head, result.setting);
      }
      head.theta = result.setting.theta;
      head.tau = result.setting.tau;
      head.lambda = result.setting.lambda;
      head.sparse = result.sparse;
      head.pinned = result.pinned;
      head.sparsity.reset();
      head.error.reset();
      if (result.measured) {
        head.sparsity = result.sparsity;
        head.error = result.error;
      }
    }
  }
  TuningSummary summary;
  summary.method = method_name(run.method);
  summary.l1_target = run.target_error;
  summary.pv_l1_target = run.pv_target_error;
  summary.fidelities.assign(ladder.begin(), ladder.end());
  summary.evaluations = run.counts.evaluations;
  summary.weighted_evaluations = run.counts.weighted_evaluations;
  summary.seconds = run.counts.seconds;
  config.tuning = summary;
  return {};
}

PinSource pins_from_config(const SparseConfig& config) {
  return [config](int layer) {
    PinSnapshot pins;
    if (layer < 0 || static_cast<std::size_t>(layer) >= config.layers.size()) return pins;
    const std::vector<HeadConfig>& heads = config.layers[layer];
    for (std::size_t head = 0; head < heads.size(); ++head) {
      if (!heads[head].pinned) continue;
      HeadPin pin;
      pin.setting = config.setting(layer, static_cast<std::int64_t>(head));
      pin.setting.theta = heads[head].theta;
      pin.setting.tau = heads[head].tau;
      pin.setting.lambda = heads[head].lambda;
      pin.sparse = heads[head].sparse;
      pins[static_cast<int>(head)] = pin;
    }
    return pins;
  };
}

}  // namespace afbs::engine
