#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/attention/block_shape.h"
#include "core/common/result.h"

namespace afbs::cli {

// No list we take (layers, fidelities) has more values than this.
inline constexpr int64_t kMaxListValues = 65536;

// "512,1024,2048" or ranges "0-3,5" as integers, at most kMaxListValues of them; errors name
// `option`.
Result<std::vector<int>> parse_int_list(const std::string& text, const std::string& option);

// "1%" or "0.01" as the fraction 0.01 (in [0, 1)); errors name `option`.
Result<double> parse_fraction(const std::string& text, const std::string& option);

// "128x64" as a block shape the kernels support (64x64, 128x64, 64x128); errors name `option`.
Result<BlockShape> parse_block_shape(const std::string& text, const std::string& option);

}  // namespace afbs::cli
