#include "core/tokenizer/pre_tokenizer.h"

#include <nlohmann/json.hpp>

namespace afbs {
namespace {

using json = nlohmann::json;

// Rust's char::is_ascii_punctuation or a Unicode punctuation category (tokenizers' is_punc).
constexpr std::string_view kPunctuation = R"([\p{P}\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E])";

bool flag(const json& object, const char* key, bool fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

}  // namespace

Result<PreTokenizer::Behavior> PreTokenizer::behavior_named(const std::string& name) {
  if (name == "Isolated") return Behavior::Isolated;
  if (name == "Removed") return Behavior::Removed;
  if (name == "MergedWithPrevious") return Behavior::MergedWithPrevious;
  if (name == "MergedWithNext") return Behavior::MergedWithNext;
  if (name == "Contiguous") return Behavior::Contiguous;
  return Error{"behavior '" + name +
               "' is unknown (Isolated, Removed, MergedWithPrevious, MergedWithNext, "
               "Contiguous)"};
}

Result<PreTokenizer> PreTokenizer::from_json(const json& pre) {
  if (!pre.is_object()) return Error{"not an object"};
  std::vector<json> steps;
  if (pre.value("type", "") == "Sequence") {
    const auto list = pre.find("pretokenizers");
    if (list == pre.end() || !list->is_array()) return Error{"Sequence lacks 'pretokenizers'"};
    steps.assign(list->begin(), list->end());
  } else {
    steps.push_back(pre);
  }
  PreTokenizer out;
  bool byte_level = false;
  for (const json& step : steps) {
    if (!step.is_object()) return Error{"a step is not an object"};
    const std::string type = step.value("type", "");
    if (byte_level) return Error{"steps after ByteLevel are not supported"};
    if (type == "Split") {
      const auto pattern = step.find("pattern");
      Result<PretokenizerPattern> parsed = Error{
          "Split needs a {\"Regex\": ...} or {\"String\": "
          "...} pattern"};
      if (pattern != step.end() && pattern->is_object() && pattern->contains("Regex") &&
          (*pattern)["Regex"].is_string()) {
        parsed = PretokenizerPattern::from_regex((*pattern)["Regex"].get<std::string>());
      } else if (pattern != step.end() && pattern->is_object() && pattern->contains("String") &&
                 (*pattern)["String"].is_string()) {
        parsed = PretokenizerPattern::from_literal((*pattern)["String"].get<std::string>());
      }
      if (!parsed.ok()) return parsed.error();
      auto behavior = behavior_named(step.value("behavior", "Isolated"));
      if (!behavior.ok()) return with_context("Split", behavior.error());
      out.steps_.push_back({std::move(*parsed), *behavior, flag(step, "invert", false), false});
    } else if (type == "Digits") {
      const bool single = flag(step, "individual_digits", false);
      // Contiguous over single digits equals Isolated over runs of digits.
      out.steps_.push_back(
          {PretokenizerPattern::from_regex(single ? R"(\p{N})" : R"(\p{N}+)").value()});
    } else if (type == "Punctuation") {
      auto behavior = behavior_named(step.value("behavior", "Isolated"));
      if (!behavior.ok()) return with_context("Punctuation", behavior.error());
      out.steps_.push_back({PretokenizerPattern::from_regex(kPunctuation).value(), *behavior});
    } else if (type == "ByteLevel") {
      byte_level = true;
      const bool prefix = flag(step, "add_prefix_space", false);
      if (flag(step, "use_regex", true)) {
        out.steps_.push_back({PretokenizerPattern::from_regex(PretokenizerPattern::kGpt2).value(),
                              Behavior::Isolated, false, prefix});
      } else if (prefix) {
        // A pattern matching nothing: the step only prepends the space.
        out.steps_.push_back(
            {PretokenizerPattern::from_regex("(*FAIL)").value(), Behavior::Isolated, false, true});
      }
    } else {
      return Error{"pre-tokenizer type '" + type +
                   "' is not supported (Split, Digits, Punctuation, ByteLevel, Sequence)"};
    }
  }
  if (!byte_level) return Error{"no ByteLevel step: only byte-level BPE is supported"};
  return out;
}

// tokenizers' SplitDelimiterBehavior applied to one piece's matches.
std::vector<std::string> PreTokenizer::apply(const Step& step, std::string_view piece) {
  std::string prefixed;
  if (step.prefix_space && (piece.empty() || piece.front() != ' ')) {
    prefixed.reserve(piece.size() + 1);
    prefixed.push_back(' ');
    prefixed.append(piece);
    piece = prefixed;
  }
  std::vector<PretokenizerPattern::Span> spans = step.pattern.spans(piece);
  if (step.invert) {
    for (auto& span : spans)
      span.is_match = !span.is_match;
  }
  // Ranges kept, each [begin, end).
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  bool previous_match = false;
  switch (step.behavior) {
    case Behavior::Isolated:
      for (const auto& span : spans)
        ranges.emplace_back(span.begin, span.end);
      break;
    case Behavior::Removed:
      for (const auto& span : spans) {
        if (!span.is_match) ranges.emplace_back(span.begin, span.end);
      }
      break;
    case Behavior::MergedWithPrevious:
      for (const auto& span : spans) {
        if (span.is_match && !previous_match && !ranges.empty()) {
          ranges.back().second = span.end;
        } else {
          ranges.emplace_back(span.begin, span.end);
        }
        previous_match = span.is_match;
      }
      break;
    case Behavior::MergedWithNext:
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->is_match && !previous_match && !ranges.empty()) {
          ranges.back().first = it->begin;
        } else {
          ranges.emplace_back(it->begin, it->end);
        }
        previous_match = it->is_match;
      }
      std::reverse(ranges.begin(), ranges.end());
      break;
    case Behavior::Contiguous:
      for (std::size_t i = 0; i < spans.size(); ++i) {
        if (i > 0 && spans[i].is_match == previous_match) {
          ranges.back().second = spans[i].end;
        } else {
          ranges.emplace_back(spans[i].begin, spans[i].end);
        }
        previous_match = spans[i].is_match;
      }
      break;
  }
  std::vector<std::string> out;
  for (const auto& [begin, end] : ranges) {
    if (end > begin) out.emplace_back(piece.substr(begin, end - begin));
  }
  return out;
}

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
  std::vector<std::string> pieces{std::string(text)};
  for (const Step& step : steps_) {
    std::vector<std::string> next;
    for (const std::string& piece : pieces) {
      for (std::string& cut : apply(step, piece))
        next.push_back(std::move(cut));
    }
    pieces = std::move(next);
  }
  return pieces;
}

}  // namespace afbs
