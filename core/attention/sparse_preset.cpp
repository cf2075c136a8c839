#include "core/attention/sparse_preset.h"

#include <cmath>
#include <cstdlib>

#include "core/attention/block_geometry.h"

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

Result<HeadSetting> preset_head_setting(const std::string& preset) {
  if (preset == "dense") return HeadSetting::dense();
  if (preset == "sparge-default") return HeadSetting{};  // HeadSetting's defaults are SpargeAttn's
  if (preset.rfind("topk:", 0) == 0 || preset.rfind("window:", 0) == 0) {
    const bool top = preset[0] == 't';
    auto value = parse_number(preset.substr(preset.find(':') + 1), preset);
    if (!value) return value.error();
    if (top && !(*value > 0.0 && *value <= 1.0)) {
      return Error{"preset '" + preset + "': the fraction must lie in (0, 1]"};
    }
    if (!top && !(*value >= 1.0 && *value == std::floor(*value))) {
      return Error{"preset '" + preset + "': the window must be a whole number of tokens ≥ 1"};
    }
    HeadSetting setting;
    setting.rule = top ? SelectionRule::top_fraction : SelectionRule::sliding_window;
    setting.rule_parameter = *value;
    return setting;
  }
  return Error{"unknown preset '" + preset +
               "' (expected dense, sparge-default, topk:F or window:W)"};
}

Result<SparseConfig> preset_config(const std::string& preset, const ModelIdentity& model) {
  auto setting = preset_head_setting(preset);
  if (!setting) return setting.error();
  HeadConfig head;
  head.sparse = setting->rule != SelectionRule::dense;
  SparseConfig config = SparseConfig::uniform(model, head);
  if (setting->rule != SelectionRule::dense) {
    config.rule = setting->rule;
    config.rule_parameter = setting->rule_parameter;
  }
  TuningSummary summary;
  summary.method = "preset " + preset;
  config.tuning = summary;
  return config;
}

double sliding_window_sparsity(int64_t length, BlockShape shape, double window_tokens) {
  const BlockGeometry geometry(length, shape);
  int64_t kept = 0;
  for (int64_t i = 0; i < geometry.query_blocks(); ++i) {
    // As the mask predictor keeps them: the sink, the window, and the diagonal blocks.
    for (int64_t j = 0; j < geometry.visible_key_blocks(i); ++j) {
      if (j == 0 || geometry.in_window(i, j, window_tokens) ||
          j >= geometry.first_diagonal_block(i))
        ++kept;
    }
  }
  const int64_t causal = geometry.causal_blocks();
  return causal > 0 ? 1.0 - static_cast<double>(kept) / static_cast<double>(causal) : 0.0;
}

int64_t window_tokens_for_sparsity(int64_t length, BlockShape shape, double target) {
  int64_t best = shape.key;
  double best_gap = INFINITY;
  for (int64_t window = shape.key; window <= length; window += shape.key) {
    const double gap = std::abs(sliding_window_sparsity(length, shape, window) - target);
    if (gap < best_gap) {
      best_gap = gap;
      best = window;
    }
  }
  return best;
}

}  // namespace afbs
