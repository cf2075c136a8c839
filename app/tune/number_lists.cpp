#include "app/tune/number_lists.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>

namespace afbs::cli {
namespace {

bool parse_int(const std::string& text, int* out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

}  // namespace

Result<std::vector<int>> parse_int_list(const std::string& text, const std::string& option) {
  std::vector<int> values;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto dash = item.find('-', 1);
    int first = 0, last = 0;
    const bool ok = dash == std::string::npos ? parse_int(item, &first) && (last = first, true)
                                              : parse_int(item.substr(0, dash), &first) &&
                                                    parse_int(item.substr(dash + 1), &last);
    if (!ok || first < 0 || last < first) {
      return Error{option + ": '" + item + "' is not a number or a range A-B"};
    }
    // Counted in 64 bits: a range ending at INT_MAX must neither wrap nor fill the memory.
    if (static_cast<int64_t>(last) - first + 1 >
        kMaxListValues - static_cast<int64_t>(values.size())) {
      return Error{option + ": '" + item + "' names more than " + std::to_string(kMaxListValues) +
                   " values"};
    }
    for (int64_t v = first; v <= last; ++v)
      values.push_back(static_cast<int>(v));
  }
  if (values.empty()) return Error{option + ": no values given"};
  return values;
}

Result<double> parse_fraction(const std::string& text, const std::string& option) {
  const bool percent = !text.empty() && text.back() == '%';
  const std::string number = percent ? text.substr(0, text.size() - 1) : text;
  char* end = nullptr;
  const double value = number.empty() ? NAN : std::strtod(number.c_str(), &end);
  const double fraction = percent ? value / 100.0 : value;
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(fraction) ||
      fraction < 0.0 || fraction >= 1.0) {
    return Error{option + ": '" + text + "' is not a fraction in [0, 1) or a percentage (1%)"};
  }
  return fraction;
}

Result<BlockShape> parse_block_shape(const std::string& text, const std::string& option) {
  const std::optional<BlockShape> shape = BlockShape::parse(text);
  if (!shape || !shape->supported()) {
    return Error{option + ": '" + text + "' is not 64x64, 128x64 or 64x128 (query x key tokens)"};
  }
  return *shape;
}

}  // namespace afbs::cli
