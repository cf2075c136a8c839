#include "core/engine/afbs_policy.h"

#include <algorithm>
#include <map>

namespace afbs::engine {

Status AfbsPolicy::start_run(RunHost& host) {
  layers_.assign(host.layer_count(), {});
  return {};
}

std::vector<HeadTask> AfbsPolicy::head_tasks(RunHost& host, int layer_index, int pass) {
  const SearchContext context = host.context(layer_index);
  const PinSnapshot& pins = host.pins(layer_index);
  std::vector<AfbsHeadState>& states = layers_[layer_index];
  std::vector<HeadTask> tasks(host.heads());
  if (pass == 0) {
    states.assign(host.heads(), {});
    for (int head = 0; head < host.heads(); ++head) {
      AfbsHeadState& state = states[head];
      state.head = head;
      // Layer-to-layer warm start: the same head's best point, if it was tuned there.
      if (layer_index > 0 && !layers_[layer_index - 1].empty() &&
          host.pins(layer_index - 1).count(head) == 0) {
        state.warm_start = layers_[layer_index - 1][head].best_point;
      }
    }
  }
  for (int head = 0; head < host.heads(); ++head) {
    if (pins.count(head) != 0) continue;
    AfbsHeadState& state = states[head];
    switch (pass) {
      case 0:
        tasks[head] = explore_theta_tau(state, context, options_.afbs);
        break;
      case 1:
        tasks[head] = search_tau(state, context, options_.afbs);
        break;
      default:
        tasks[head] = tune_pv_and_validate(state, context, options_.afbs);
        break;
    }
  }
  return tasks;
}

void AfbsPolicy::pass_finished(RunHost& host, int layer_index, int pass) {
  if (pass != 0) return;
  // One line per distinct note, naming its heads: at a short lowest rung most heads share one.
  const PinSnapshot& pins = host.pins(layer_index);
  std::map<std::string, std::string> heads_by_note;
  for (const AfbsHeadState& state : layers_[layer_index]) {
    if (state.exploration_note.empty() || pins.count(state.head) != 0) continue;
    std::string& heads = heads_by_note[state.exploration_note];
    if (!heads.empty()) heads += ',';
    heads += std::to_string(state.head);
  }
  for (const auto& [note, heads] : heads_by_note) {
    host.log("layer " + std::to_string(host.layer_of(layer_index)) + ", heads " + heads + ": " +
             note);
  }
}

HeadResult AfbsPolicy::head_result(int layer_index, int head) const {
  return layers_[layer_index][head].result;
}

Status AfbsPolicy::run_guard(RunHost& host) {
  if (!host.can_measure_perplexity()) return {};
  RunResult& result = host.result();
  std::vector<LayerResult> dense_layers = result.layers;
  for (LayerResult& layer : dense_layers) {
    for (HeadResult& head : layer.heads)
      head = dense_result(head.head, head.setting.theta, "");
  }
  Result<double> dense = host.measure_perplexity(0.0, dense_layers);
  if (!dense) return with_context("measuring dense perplexity", dense.error());
  result.perplexity_dense = *dense;
  for (int round = 0;; ++round) {
    Result<double> tuned =
        host.measure_perplexity(result.target_error / options_.target_error, result.layers);
    if (!tuned) return with_context("measuring tuned perplexity", tuned.error());
    result.perplexity_tuned = *tuned;
    const double rise = *tuned / *dense - 1.0;
    host.log("guard: perplexity " + format_number(*dense) + " dense, " + format_number(*tuned) +
             " tuned (" + format_number(100.0 * rise) + " % rise, budget " +
             format_number(100.0 * options_.afbs.perplexity_budget) + " %)");
    if (rise <= options_.afbs.perplexity_budget) return {};
    if (round >= options_.afbs.max_guard_rounds) {
      host.log("guard: still over budget after " + std::to_string(round) + " tightenings");
      return {};
    }
    result.target_error *= options_.afbs.guard_tighten_factor;
    result.pv_target_error *= options_.afbs.guard_tighten_factor;
    result.guard_rounds = round + 1;
    host.log("guard: redoing stages 2-3 with ε1 " + format_number(result.target_error) + ", ε2 " +
             format_number(result.pv_target_error));
    for (int i = 0; i < host.layer_count(); ++i) {
      for (AfbsHeadState& state : layers_[i]) {
        state.tau_high_verified = false;  // verified against the looser target only
      }
      const auto previous =
          std::find_if(result.layers.begin(), result.layers.end(),
                       [&](const LayerResult& r) { return r.layer == host.layer_of(i); });
      // Offset so that the layer's counts come out as its first pass plus this redo.
      const EvaluationCounts before = minus(
          host.counts(), previous != result.layers.end() ? previous->counts : EvaluationCounts{});
      for (int pass : {1, 2}) {
        std::vector<HeadTask> tasks = head_tasks(host, i, pass);
        if (Status ok = host.run_pass(i, pass, tasks); !ok) return ok;
      }
      host.finish_layer(i, host.assemble_layer(i, [&](int head) { return head_result(i, head); }),
                        before);
    }
  }
}

}  // namespace afbs::engine
