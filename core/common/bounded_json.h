#pragma once

// JSON parsing for files from strangers. nlohmann's parser is iterative, but copying,
// comparing or printing a value recurses once per level, so a document nested 10^5 deep
// parses fine and then overflows the stack: every parse in core goes through here and
// refuses such documents up front. Header-only (the includer links nlohmann_json).

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "core/common/result.h"

namespace afbs {

// No file we read nests arrays and objects deeper than a dozen levels.
inline constexpr int kMaxJsonDepth = 64;

// `text` as JSON, or an error naming `where`: "not valid JSON (...)" or "nests arrays and
// objects deeper than N levels".
inline Result<nlohmann::json> parse_json(std::string_view text, const std::string& where,
                                         int max_depth = kMaxJsonDepth) {
  struct TooDeep {};
  using Event = nlohmann::json::parse_event_t;
  try {
    return nlohmann::json::parse(
        text.begin(), text.end(),
        [max_depth](int depth, Event event, nlohmann::json&) {
          if ((event == Event::object_start || event == Event::array_start) && depth >= max_depth) {
            throw TooDeep{};
          }
          return true;
        },
        /*allow_exceptions=*/true);
  } catch (const TooDeep&) {
    return Error{where + ": nests arrays and objects deeper than " + std::to_string(max_depth) +
                 " levels"};
  } catch (const nlohmann::json::exception& error) {
    return Error{where + ": not valid JSON (" + std::string(error.what()).substr(0, 200) + ")"};
  }
}

}  // namespace afbs
