#include "core/engine/method_policies.h"

#include "core/engine/afbs_policy.h"
#include "core/engine/baseline_policy.h"
#include "core/engine/budget_policy.h"

namespace afbs::engine {

Result<std::unique_ptr<MethodPolicy>> make_method_policy(const EngineOptions& options) {
  if (options.budget.enabled) {
    if (options.method != TuningMethod::AfbsBo) {
      return Error{std::string("a perplexity budget is for afbs-bo only (not ") +
                   method_name(options.method) + ")"};
    }
    return std::unique_ptr<MethodPolicy>(std::make_unique<BudgetPolicy>(options));
  }
  switch (options.method) {
    case TuningMethod::AfbsBo:
      return std::unique_ptr<MethodPolicy>(std::make_unique<AfbsPolicy>(options));
    case TuningMethod::Grid: {
      const GridOptions grid = options.grid;
      return std::unique_ptr<MethodPolicy>(std::make_unique<BaselinePolicy>(
          options.method,
          [grid](BaselineHeadState& state, const SearchContext& context) {
            return grid_search_head(state, context, grid);
          },
          false));
    }
    case TuningMethod::Random: {
      const RandomOptions random = options.random;
      return std::unique_ptr<MethodPolicy>(std::make_unique<BaselinePolicy>(
          options.method,
          [random](BaselineHeadState& state, const SearchContext& context) {
            return random_search_head(state, context, random);
          },
          false));
    }
    case TuningMethod::Static: {
      const HeadSetting setting = options.static_setting;
      return std::unique_ptr<MethodPolicy>(std::make_unique<BaselinePolicy>(
          options.method,
          [setting](BaselineHeadState& state, const SearchContext&) {
            return static_setting_head(state, setting);
          },
          true));
    }
  }
  return Error{std::string("no policy for method ") + method_name(options.method)};
}

}  // namespace afbs::engine
