#include "core/attention/sparse_config.h"

namespace afbs {
namespace {

std::string shape_text(const ModelIdentity& model) {
  std::string text = model.name.empty() ? std::string("a model") : "'" + model.name + "'";
  text +=
      " (" + std::to_string(model.layers) + " layers × " + std::to_string(model.heads) + " heads";
  if (model.kv_heads > 0) text += " / " + std::to_string(model.kv_heads) + " kv";
  return text + ", head size " + std::to_string(model.head_dim) + ")";
}

}  // namespace

SparseConfig SparseConfig::uniform(const ModelIdentity& model, const HeadConfig& head) {
  SparseConfig config;
  config.model = model;
  config.layers.assign(static_cast<size_t>(model.layers),
                       std::vector<HeadConfig>(static_cast<size_t>(model.heads), head));
  return config;
}

HeadSetting SparseConfig::setting(int64_t layer, int64_t head) const {
  const HeadConfig& h = layers.at(static_cast<size_t>(layer)).at(static_cast<size_t>(head));
  if (!h.sparse) return HeadSetting::dense();
  HeadSetting setting;
  setting.theta = h.theta;
  setting.tau = h.tau;
  setting.lambda = h.lambda;
  setting.rule = rule;
  setting.rule_parameter = rule == SelectionRule::cumulative
                               ? rule_parameter
                               : h.rule_parameter.value_or(rule_parameter);
  return setting;
}

void SparseConfig::record_static_setting(HeadConfig& head, const HeadSetting& setting) {
  if (rule != setting.rule || rule_parameter <= 0.0) {
    rule = setting.rule;
    rule_parameter = setting.rule_parameter;
  }
  head.rule_parameter.reset();
  if (setting.rule_parameter != rule_parameter) head.rule_parameter = setting.rule_parameter;
}

std::optional<double> SparseConfig::mean_measured_sparsity() const {
  double total = 0.0;
  int64_t count = 0;
  for (const auto& layer : layers) {
    for (const HeadConfig& head : layer) {
      if (head.sparsity) {
        total += *head.sparsity;
        ++count;
      }
    }
  }
  if (count == 0) return std::nullopt;
  return total / static_cast<double>(count);
}

Status SparseConfig::validate(const std::string& source) const {
  if (model.layers <= 0 || model.heads <= 0 || model.head_dim <= 0) {
    return Error{source + ": the model's layers, heads and head_dim must be positive"};
  }
  if (!blocks.supported()) {
    return Error{source + ": block shape " + blocks.text() + " is not 64x64, 128x64 or 64x128"};
  }
  if (static_cast<int64_t>(layers.size()) != model.layers) {
    return Error{source + ": holds " + std::to_string(layers.size()) +
                 " layers but says the model has " + std::to_string(model.layers)};
  }
  for (size_t l = 0; l < layers.size(); ++l) {
    if (static_cast<int64_t>(layers[l].size()) != model.heads) {
      return Error{source + ": layer " + std::to_string(l) + " holds " +
                   std::to_string(layers[l].size()) + " heads, expected " +
                   std::to_string(model.heads)};
    }
    for (size_t h = 0; h < layers[l].size(); ++h) {
      const std::string where =
          source + ": layer " + std::to_string(l) + " head " + std::to_string(h);
      if (layers[l][h].rule_parameter && rule == SelectionRule::cumulative) {
        return Error{where +
                     ": a head's own fraction or window needs a top-fraction or "
                     "sliding-window selection, not cumulative"};
      }
      if (Status ok =
              check_head_setting(setting(static_cast<int64_t>(l), static_cast<int64_t>(h)), where);
          !ok) {
        return ok;
      }
    }
  }
  return {};
}

Status check_config_matches(const SparseConfig& config, const ModelIdentity& model,
                            const std::string& source) {
  const ModelIdentity& mine = config.model;
  const bool same_shape =
      mine.layers == model.layers && mine.heads == model.heads && mine.head_dim == model.head_dim &&
      (mine.kv_heads == 0 || model.kv_heads == 0 || mine.kv_heads == model.kv_heads);
  const bool same_fingerprint = mine.fingerprint.empty() || model.fingerprint.empty() ||
                                mine.fingerprint == model.fingerprint;
  if (same_shape && same_fingerprint) return {};
  return Error{source + " is for " + shape_text(mine) + " but the model loaded is " +
               shape_text(model) + (same_shape ? " (their fingerprints differ)" : "")};
}

}  // namespace afbs
