#include "core/attention/sparse_preset.h"

#include <cmath>
#include <cstdlib>

namespace afbs {
namespace {

Result<double> parse_number(const std::string& text, const std::string& preset) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value)) {
    return Error{"preset '" + preset + "': '" + text + "' is not a number"};
  }
  return value;
}

}  // namespace

Result<SparseConfig> preset_config(const std::string& preset, const ModelIdentity& model) {
  HeadConfig head;
  SparseConfig config;
  if (preset == "dense") {
    head.sparse = false;
    config = SparseConfig::uniform(model, head);
  } else if (preset == "sparge-default") {
    config = SparseConfig::uniform(model, head);  // HeadConfig's defaults are SpargeAttn's
  } else if (preset.rfind("topk:", 0) == 0 || preset.rfind("window:", 0) == 0) {
    const bool top = preset[0] == 't';
    auto value = parse_number(preset.substr(preset.find(':') + 1), preset);
    if (!value) return value.error();
    if (top && !(*value > 0.0 && *value <= 1.0)) {
      return Error{"preset '" + preset + "': the fraction must lie in (0, 1]"};
    }
    if (!top && !(*value >= 1.0 && *value == std::floor(*value))) {
      return Error{"preset '" + preset + "': the window must be a whole number of tokens ≥ 1"};
    }
    config = SparseConfig::uniform(model, head);
    config.rule = top ? SelectionRule::top_fraction : SelectionRule::sliding_window;
    config.rule_parameter = *value;
  } else {
    return Error{"unknown preset '" + preset +
                 "' (expected dense, sparge-default, topk:F or window:W)"};
  }
  TuningSummary summary;
  summary.method = "preset " + preset;
  config.tuning = summary;
  return config;
}

}  // namespace afbs
