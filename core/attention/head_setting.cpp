#include "core/attention/head_setting.h"

#include <cmath>

namespace afbs {

Status check_head_setting(const HeadSetting& setting, const std::string& where) {
  if (!std::isfinite(setting.theta) || !std::isfinite(setting.tau)) {
    return Error{where + ": theta and tau must be finite numbers"};
  }
  if (!std::isfinite(setting.lambda) || setting.lambda < 0.0) {
    return Error{where + ": lambda must be a number ≥ 0 (50 turns the PV-skip off)"};
  }
  if (setting.rule == SelectionRule::top_fraction &&
      !(setting.rule_parameter > 0.0 && setting.rule_parameter <= 1.0)) {
    return Error{where + ": the top fraction must lie in (0, 1], got " +
                 std::to_string(setting.rule_parameter)};
  }
  if (setting.rule == SelectionRule::sliding_window &&
      !(setting.rule_parameter >= 1.0 && std::isfinite(setting.rule_parameter))) {
    return Error{where + ": the sliding window must be at least 1 token, got " +
                 std::to_string(setting.rule_parameter)};
  }
  return {};
}

const char* selection_rule_name(SelectionRule rule) {
  switch (rule) {
    case SelectionRule::dense:
      return "dense";
    case SelectionRule::cumulative:
      return "cumulative";
    case SelectionRule::top_fraction:
      return "top_fraction";
    case SelectionRule::sliding_window:
      return "sliding_window";
  }
  return "cumulative";
}

Result<SelectionRule> parse_selection_rule(const std::string& name) {
  for (SelectionRule rule : {SelectionRule::dense, SelectionRule::cumulative,
                             SelectionRule::top_fraction, SelectionRule::sliding_window}) {
    if (name == selection_rule_name(rule)) return rule;
  }
  return Error{"unknown selection rule '" + name +
               "' (expected dense, cumulative, top_fraction or sliding_window)"};
}

}  // namespace afbs
