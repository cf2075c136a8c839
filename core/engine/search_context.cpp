#include "core/engine/search_context.h"

namespace afbs::engine {

std::uint64_t head_seed(std::uint64_t seed, int layer, int head) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (1 + static_cast<std::uint64_t>(layer) * 4099 +
                                                    static_cast<std::uint64_t>(head));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

HeadResult dense_result(int head, double theta, std::string note) {
  HeadResult result;
  result.head = head;
  result.setting = HeadSetting::dense();
  result.setting.theta = theta;
  result.setting.tau = 1.0;
  result.setting.lambda = kPvSkipOff;
  result.sparse = false;
  result.measured = true;  // dense attention is exact: no sparsity, no error
  result.meets_target = true;
  result.note = std::move(note);
  return result;
}

HeadResult sparse_result(int head, const HeadSetting& setting, double sparsity, double error,
                         double skip_rate, bool meets_target) {
  HeadResult result;
  result.head = head;
  result.setting = setting;
  result.sparse = true;
  result.measured = true;
  result.sparsity = sparsity;
  result.error = error;
  result.skip_rate = skip_rate;
  result.meets_target = meets_target;
  return result;
}

}  // namespace afbs::engine
