#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "core/engine/tuning_engine.h"

namespace afbs {

// What the session knows about one head: its setting, whether the person pinned it (an override
// is a pin at a chosen setting), and what the engine last measured for it.
struct HeadState {
  HeadSetting setting;
  bool pinned = false;
  bool sparse = true;
  bool tuned = false;  // sparsity and error below come from a finished layer at this setting
  double sparsity = 0.0;
  double error = 0.0;
  bool meets_target = false;
};
// Equal in every field shown or saved (θ, τ, λ, pin, sparse, measurement).
bool operator==(const HeadState& a, const HeadState& b);

using HeadKey = std::pair<int, int>;  // (layer, head)

// The pin store: the one owner of every head's state for a session, layers × heads. The GUI
// writes through it (its undo commands and the engine's results, on the GUI thread) and its
// heatmap model is a view over it; the engine's thread reads a layer's pins when the layer
// starts, through pin_source(). Every member locks and hands out copies, so no reader ever holds
// a reference into the store.
class HeadStore {
 public:
  // Starts over with `layers` × `heads` default heads.
  void reset(int layers, int heads);
  // Grows the table (never shrinks it), keeping every head's state.
  void grow_to(int layers, int heads);
  int layers() const;
  int heads() const;
  bool contains(int layer, int head) const;

  // A default state for a head outside the table.
  HeadState state(int layer, int head) const;
  // Every head, row-major (layer * heads() + head).
  std::vector<HeadState> states() const;
  // Returns false, and changes nothing, for a head outside the table.
  bool write(int layer, int head, const HeadState& state);

  // The pinned heads of `layer`, as the engine takes them at the start of the layer.
  engine::PinSnapshot pins(int layer) const;

  // A PinSource for one engine run; it keeps the store alive for as long as the run holds it.
  // With `retune`, only those heads are tuned: every other head of the layer is pinned at its
  // current state for this run (the store itself is not changed).
  static engine::PinSource pin_source(std::shared_ptr<const HeadStore> store,
                                      std::optional<std::set<HeadKey>> retune = std::nullopt);

  // What a head becomes when its layer finishes: nullopt when it keeps its state, because the
  // person pinned it here or the engine did not tune it (pinned for that run).
  static std::optional<HeadState> after_result(const HeadState& before,
                                               const engine::HeadResult& result);

 private:
  bool contains_locked(int layer, int head) const;

  mutable std::mutex mutex_;
  int layers_ = 0;
  int heads_ = 0;
  std::vector<HeadState> states_;  // row-major; guarded by mutex_
};

}  // namespace afbs
