#pragma once

#include <optional>

#include "core/engine/engine_options.h"
#include "core/engine/head_task.h"
#include "core/engine/search_context.h"

namespace afbs::engine {

// A baseline's pick for one head before validation; empty when it found nothing feasible.
struct BaselineHeadState {
  int head = 0;
  std::optional<HeadSetting> chosen;
  std::string note;
  HeadResult result;  // filled by validate_baseline_choice
};

// SpargeAttn's autotune as DESIGN.md §5 describes it; see grid_search.cpp for the reading.
HeadTask grid_search_head(BaselineHeadState& state, SearchContext context, GridOptions options);

// Uniform random (θ, τ) at n_F with PV-skip off; the sparsest point meeting ε1 wins.
HeadTask random_search_head(BaselineHeadState& state, SearchContext context, RandomOptions options);

// The Static method: `setting` is the pick, with no search.
HeadTask static_setting_head(BaselineHeadState& state, HeadSetting setting);

// Scores a baseline's pick on every validation window at n_F (no back-off: the baselines are
// measured as they are). Dense when nothing was picked, or, for a searched pick, when its
// sparsity is under the minimum; a static pick is kept as it is.
HeadTask validate_baseline_choice(BaselineHeadState& state, SearchContext context,
                                  bool keep_under_minimum = false);

}  // namespace afbs::engine
