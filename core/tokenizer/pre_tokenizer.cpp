#include "core/tokenizer/pre_tokenizer.h"

#include <nlohmann/json.hpp>

#include "core/tokenizer/utf8.h"

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

// Metaspace: {"replacement": "▁", "prepend_scheme": "always" | "first" | "never", "split"};
// files from before prepend_scheme say add_prefix_space instead (true: always).
Result<PreTokenizer::Step> PreTokenizer::metaspace_step(const json& step) {
  const std::string replacement = step.value("replacement", "\u2581");
  if (replacement.empty() ||
      utf8::decode_char(replacement, 0).length != static_cast<int>(replacement.size())) {
    return Error{"Metaspace's replacement '" + replacement + "' is not one character"};
  }
  Metaspace metaspace{replacement, flag(step, "add_prefix_space", true) ? PrependScheme::Always
                                                                        : PrependScheme::Never};
  if (const auto scheme = step.find("prepend_scheme"); scheme != step.end() && !scheme->is_null()) {
    const std::string name = scheme->is_string() ? scheme->get<std::string>() : scheme->dump();
    if (name == "always") {
      metaspace.prepend = PrependScheme::Always;
    } else if (name == "first") {
      metaspace.prepend = PrependScheme::First;
    } else if (name == "never") {
      metaspace.prepend = PrependScheme::Never;
    } else {
      return Error{"Metaspace's prepend_scheme '" + name + "' is unknown (always, first, never)"};
    }
  }
  // split: pieces start at each replacement character; else a pattern that matches nothing.
  Result<PretokenizerPattern> pattern = flag(step, "split", true)
                                            ? PretokenizerPattern::from_literal(replacement)
                                            : PretokenizerPattern::from_regex("(*FAIL)");
  if (!pattern.ok()) return pattern.error();
  Step out{std::move(*pattern), Behavior::MergedWithNext};
  out.metaspace = std::move(metaspace);
  return out;
}

Result<PreTokenizer> PreTokenizer::from_json(const json& pre) {
  if (pre.is_null()) return PreTokenizer{};
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
  for (const json& step : steps) {
    if (!step.is_object()) return Error{"a step is not an object"};
    const std::string type = step.value("type", "");
    if (out.byte_level_) return Error{"steps after ByteLevel are not supported"};
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
    } else if (type == "Metaspace") {
      Result<Step> metaspace = metaspace_step(step);
      if (!metaspace.ok()) return metaspace.error();
      out.steps_.push_back(std::move(*metaspace));
    } else if (type == "ByteLevel") {
      out.byte_level_ = true;
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
      return Error{
          "pre-tokenizer type '" + type +
          "' is not supported (Split, Digits, Punctuation, Metaspace, ByteLevel, Sequence)"};
    }
  }
  return out;
}

// tokenizers' SplitDelimiterBehavior applied to one piece's matches.
std::vector<PreTokenizer::Piece> PreTokenizer::apply(const Step& step, const Piece& whole) {
  std::string_view piece = whole.text;
  std::string prefixed;
  if (step.prefix_space && (piece.empty() || piece.front() != ' ')) {
    prefixed.reserve(piece.size() + 1);
    prefixed.push_back(' ');
    prefixed.append(piece);
    piece = prefixed;
  }
  if (step.metaspace) {
    const Metaspace& metaspace = *step.metaspace;
    std::string replaced;
    for (const char c : piece) {
      if (c == ' ') {
        replaced += metaspace.replacement;
      } else {
        replaced.push_back(c);
      }
    }
    const bool prepend = metaspace.prepend == PrependScheme::Always ||
                         (metaspace.prepend == PrependScheme::First && whole.at_text_start);
    if (prepend && !replaced.starts_with(metaspace.replacement))
      replaced.insert(0, metaspace.replacement);
    prefixed = std::move(replaced);
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
  std::vector<Piece> out;
  for (const auto& [begin, end] : ranges) {
    if (end > begin)
      out.push_back(
          {std::string(piece.substr(begin, end - begin)), whole.at_text_start && begin == 0});
  }
  return out;
}

std::vector<std::string> PreTokenizer::split(std::string_view text, bool at_text_start) const {
  std::vector<Piece> pieces;
  pieces.push_back({std::string(text), at_text_start});
  for (const Step& step : steps_) {
    std::vector<Piece> next;
    for (const Piece& piece : pieces) {
      for (Piece& cut : apply(step, piece))
        next.push_back(std::move(cut));
    }
    pieces = std::move(next);
  }
  std::vector<std::string> out;
  out.reserve(pieces.size());
  for (Piece& piece : pieces)
    out.push_back(std::move(piece.text));
  return out;
}

}  // namespace afbs
