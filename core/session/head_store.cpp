#include "core/session/head_store.h"

#include <algorithm>

namespace afbs {

bool operator==(const HeadState& a, const HeadState& b) {
  return a.setting.theta == b.setting.theta && a.setting.tau == b.setting.tau &&
         a.setting.lambda == b.setting.lambda && a.pinned == b.pinned && a.sparse == b.sparse &&
         a.tuned == b.tuned && a.sparsity == b.sparsity && a.error == b.error &&
         a.meets_target == b.meets_target;
}

void HeadStore::reset(int layers, int heads) {
  std::lock_guard lock(mutex_);
  layers_ = std::max(layers, 0);
  heads_ = std::max(heads, 0);
  states_.assign(std::size_t(layers_) * std::size_t(heads_), HeadState{});
}

void HeadStore::grow_to(int layers, int heads) {
  std::lock_guard lock(mutex_);
  const int new_layers = std::max(layers, layers_);
  const int new_heads = std::max(heads, heads_);
  if (new_layers == layers_ && new_heads == heads_) return;
  std::vector<HeadState> grown(std::size_t(new_layers) * std::size_t(new_heads));
  for (int layer = 0; layer < layers_; ++layer)
    for (int head = 0; head < heads_; ++head)
      grown[std::size_t(layer * new_heads + head)] = states_[std::size_t(layer * heads_ + head)];
  states_ = std::move(grown);
  layers_ = new_layers;
  heads_ = new_heads;
}

int HeadStore::layers() const {
  std::lock_guard lock(mutex_);
  return layers_;
}

int HeadStore::heads() const {
  std::lock_guard lock(mutex_);
  return heads_;
}

bool HeadStore::contains(int layer, int head) const {
  std::lock_guard lock(mutex_);
  return contains_locked(layer, head);
}

bool HeadStore::contains_locked(int layer, int head) const {
  return layer >= 0 && head >= 0 && layer < layers_ && head < heads_;
}

HeadState HeadStore::state(int layer, int head) const {
  std::lock_guard lock(mutex_);
  return contains_locked(layer, head) ? states_[std::size_t(layer * heads_ + head)] : HeadState{};
}

std::vector<HeadState> HeadStore::states() const {
  std::lock_guard lock(mutex_);
  return states_;
}

bool HeadStore::write(int layer, int head, const HeadState& state) {
  std::lock_guard lock(mutex_);
  if (!contains_locked(layer, head)) return false;
  states_[std::size_t(layer * heads_ + head)] = state;
  return true;
}

engine::PinSnapshot HeadStore::pins(int layer) const {
  std::lock_guard lock(mutex_);
  engine::PinSnapshot snapshot;
  if (layer < 0 || layer >= layers_) return snapshot;
  for (int head = 0; head < heads_; ++head) {
    const HeadState& shown = states_[std::size_t(layer * heads_ + head)];
    if (shown.pinned) snapshot[head] = engine::HeadPin{shown.setting, shown.sparse};
  }
  return snapshot;
}

engine::PinSource HeadStore::pin_source(std::shared_ptr<const HeadStore> store,
                                        std::optional<std::set<HeadKey>> retune) {
  return [store = std::move(store), retune = std::move(retune)](int layer) {
    if (!retune) return store->pins(layer);
    engine::PinSnapshot snapshot;
    const int heads = store->heads();
    for (int head = 0; head < heads; ++head) {
      const HeadState shown = store->state(layer, head);
      // A head pinned by the person stays pinned even when selected for the re-tune.
      if (shown.pinned || !retune->contains({layer, head}))
        snapshot[head] = engine::HeadPin{shown.setting, shown.sparse};
    }
    return snapshot;
  };
}

std::optional<HeadState> HeadStore::after_result(const HeadState& before,
                                                 const engine::HeadResult& result) {
  if (before.pinned || result.pinned) return std::nullopt;
  HeadState after = before;
  after.setting = result.setting;
  after.sparse = result.sparse;
  after.tuned = true;
  after.sparsity = result.sparsity;
  after.error = result.error;
  after.meets_target = result.meets_target;
  return after;
}

}  // namespace afbs
