#include "core/engine/baseline_policy.h"

namespace afbs::engine {

Status BaselinePolicy::start_run(RunHost& host) {
  layers_.assign(host.layer_count(), {});
  return {};
}

std::vector<HeadTask> BaselinePolicy::head_tasks(RunHost& host, int layer_index, int pass) {
  const SearchContext context = host.context(layer_index);
  const PinSnapshot& pins = host.pins(layer_index);
  std::vector<BaselineHeadState>& states = layers_[layer_index];
  if (pass == 0) {
    states.assign(host.heads(), {});
    for (int head = 0; head < host.heads(); ++head)
      states[head].head = head;
  }
  std::vector<HeadTask> tasks(host.heads());
  for (int head = 0; head < host.heads(); ++head) {
    if (pins.count(head) != 0) continue;
    tasks[head] = pass == 0 ? search_(states[head], context)
                            : validate_baseline_choice(states[head], context, keep_under_minimum_);
  }
  return tasks;
}

HeadResult BaselinePolicy::head_result(int layer_index, int head) const {
  return layers_[layer_index][head].result;
}

}  // namespace afbs::engine
