#include "core/engine/engine_options.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace afbs::engine {

const char* method_name(TuningMethod method) {
  switch (method) {
    case TuningMethod::AfbsBo:
      return "afbs-bo";
    case TuningMethod::Grid:
      return "grid";
    case TuningMethod::Random:
      return "random";
    case TuningMethod::Static:
      return "static";
  }
  return "unknown";
}

std::optional<TuningMethod> parse_method(std::string_view name) {
  for (TuningMethod method :
       {TuningMethod::AfbsBo, TuningMethod::Grid, TuningMethod::Random, TuningMethod::Static}) {
    if (name == method_name(method)) return method;
  }
  return std::nullopt;
}

std::vector<int> default_fidelity_ladder(int top_length_tokens, int block_tokens) {
  std::vector<int> ladder;
  for (int divisor : {4, 2, 1}) {
    const int rung =
        std::max(block_tokens, top_length_tokens / divisor / block_tokens * block_tokens);
    if (rung <= top_length_tokens && (ladder.empty() || rung > ladder.back()))
      ladder.push_back(rung);
  }
  if (ladder.empty() || ladder.back() != top_length_tokens) ladder.push_back(top_length_tokens);
  return ladder;
}

std::string options_fingerprint(const EngineOptions& o) {
  nlohmann::json shape = {
      {"method", method_name(o.method)},
      {"targets", {o.target_error, o.pv_target_error, o.min_sparsity}},
      {"ladder", o.fidelity_lengths},
      {"layers", o.layers},
      {"seed", o.seed},
      {"afbs",
       {o.afbs.exploration_budget, o.afbs.initial_design_points, o.afbs.negligible_improvement,
        o.afbs.exploration_windows, o.afbs.tau_tolerance, o.afbs.max_bracket_expansions,
        o.afbs.lambda_tolerance, o.afbs.max_validation_retries, o.afbs.backoff_fraction,
        o.afbs.perplexity_budget, o.afbs.guard_tighten_factor, o.afbs.max_guard_rounds,
        o.afbs.hopeless_head_exit}},
      {"grid",
       {o.grid.theta_first, o.grid.theta_step, o.grid.theta_count, o.grid.tau_start,
        o.grid.tau_tolerance, o.grid.lambda_start, o.grid.lambda_tolerance, o.grid.bucket_width}},
      {"random", {o.random.samples_per_head}},
      {"static",
       {selection_rule_name(o.static_setting.rule), o.static_setting.rule_parameter,
        o.static_setting.theta, o.static_setting.tau, o.static_setting.lambda}},
      // Bumped when a search changes what it evaluates, so an older journal is refused
      // (3: the guard's perplexity measurements are journalled too; 4: AFBS-BO's hopeless-head
      // exit in stage 1).
      {"algorithm", 4}};
  // Appended only when not 64x64, so that journals of 64x64 runs still resume.
  if (o.blocks != BlockShape{}) shape["blocks"] = o.blocks.text();
  if (o.budget.enabled) {
    shape["budget"] = {o.budget.growth,          o.budget.max_multiplier, o.budget.min_multiplier,
                       o.budget.ratio_tolerance, o.budget.max_probes,     o.budget.tau_tolerance,
                       o.budget.refine_layers,   o.budget.layer_growth};
    // Appended only when on, so that journals of budget runs without it still resume.
    if (o.budget.price_allocation) shape["budget"].push_back("price");
    if (o.budget.layer_sensitivity) {
      shape["budget"].push_back(nlohmann::json::array(
          {"sensitivity", o.budget.sensitivity_multipliers, o.budget.sensitivity_topk,
           o.budget.sensitivity_window_sparsities, o.budget.max_mix_probes}));
    }
  }
  // FNV-1a 64: stable across builds and platforms, unlike std::hash.
  std::uint64_t hash = 0xcbf29ce484222325ull;
  for (unsigned char c : shape.dump()) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

}  // namespace afbs::engine
