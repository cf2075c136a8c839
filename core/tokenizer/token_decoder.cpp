#include "core/tokenizer/token_decoder.h"

#include <nlohmann/json.hpp>

#include "core/tokenizer/utf8.h"

namespace afbs {
namespace {

using json = nlohmann::json;

bool is_one_character(const std::string& text) {
  return !text.empty() && utf8::decode_char(text, 0).length == static_cast<int>(text.size());
}

std::string replace_all(const std::string& text, const std::string& pattern,
                        const std::string& content) {
  std::string out;
  std::size_t from = 0;
  for (std::size_t at = text.find(pattern); at != std::string::npos;
       at = text.find(pattern, from)) {
    out.append(text, from, at - from);
    out += content;
    from = at + pattern.size();
  }
  out.append(text, from);
  return out;
}

// Metaspace drops the replacement at the very start unless its prepend_scheme is "never"
// (older files: add_prefix_space false).
bool strips_first(const json& step) {
  const auto scheme = step.find("prepend_scheme");
  if (scheme != step.end() && scheme->is_string()) return scheme->get<std::string>() != "never";
  const auto prefix = step.find("add_prefix_space");
  return prefix == step.end() || !prefix->is_boolean() || prefix->get<bool>();
}

// The byte of a <0xNN> token, or -1.
int byte_of(const std::string& token) {
  if (token.size() != 6 || !token.starts_with("<0x") || token.back() != '>') return -1;
  int value = 0;
  for (std::size_t i = 3; i < 5; ++i) {
    const char c = token[i];
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                             : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

bool is_valid_utf8(const std::string& bytes) {
  for (std::size_t pos = 0; pos < bytes.size();) {
    const utf8::DecodedChar c = utf8::decode_char(bytes, pos);
    if (!c.valid) return false;
    pos += static_cast<std::size_t>(c.length);
  }
  return true;
}

std::vector<std::string> byte_fallback(std::vector<std::string> tokens) {
  std::vector<std::string> out;
  std::string bytes;
  const auto flush = [&] {
    if (bytes.empty()) return;
    if (is_valid_utf8(bytes)) {
      out.push_back(bytes);
    } else {
      for (std::size_t i = 0; i < bytes.size(); ++i)
        out.emplace_back("\xEF\xBF\xBD");  // U+FFFD
    }
    bytes.clear();
  };
  for (std::string& token : tokens) {
    if (const int byte = byte_of(token); byte >= 0) {
      bytes.push_back(static_cast<char>(byte));
      continue;
    }
    flush();
    out.push_back(std::move(token));
  }
  flush();
  return out;
}

}  // namespace

Result<TokenDecoder::Step> TokenDecoder::step_from_json(const json& step) {
  const std::string type = step.is_object() ? step.value("type", "") : "";
  Step out;
  if (type == "ByteFallback") {
    out.kind = Step::Kind::ByteFallback;
    return out;
  }
  if (type == "Fuse") {
    out.kind = Step::Kind::Fuse;
    return out;
  }
  if (type == "Replace") {
    const auto pattern = step.find("pattern");
    const auto content = step.find("content");
    if (pattern == step.end() || !pattern->is_object() || !pattern->contains("String") ||
        !(*pattern)["String"].is_string() || content == step.end() || !content->is_string()) {
      return Error{"decoder Replace needs a {\"String\": ...} pattern and a 'content'"};
    }
    const std::string from = (*pattern)["String"].get<std::string>();
    if (from.empty()) return Error{"decoder Replace's pattern is empty"};
    out.kind = Step::Kind::Replace;
    out.pattern = from;
    out.content = content->get<std::string>();
    return out;
  }
  if (type == "Strip") {
    out.kind = Step::Kind::Strip;
    out.pattern = step.value("content", " ");
    out.start = step.value("start", 0);
    out.stop = step.value("stop", 0);
    if (!is_one_character(out.pattern) || out.start < 0 || out.stop < 0)
      return Error{"decoder Strip needs one 'content' character and counts 'start', 'stop' >= 0"};
    return out;
  }
  if (type == "Metaspace") {
    out.kind = Step::Kind::Metaspace;
    out.pattern = step.value("replacement", "\u2581");
    out.strip_first = strips_first(step);
    if (!is_one_character(out.pattern))
      return Error{"decoder Metaspace's replacement is not one character"};
    return out;
  }
  return Error{"unsupported decoder " + step.dump() +
               " (Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence)"};
}

Result<TokenDecoder> TokenDecoder::from_json(const json& decoder) {
  TokenDecoder out;
  if (decoder.is_null()) return out;
  out.none_ = false;
  if (!decoder.is_object()) return Error{"not an object"};
  std::vector<json> steps;
  if (decoder.value("type", "") == "Sequence") {
    const auto list = decoder.find("decoders");
    if (list == decoder.end() || !list->is_array()) return Error{"Sequence lacks 'decoders'"};
    steps.assign(list->begin(), list->end());
  } else {
    steps.push_back(decoder);
  }
  for (const json& step : steps) {
    Result<Step> parsed = step_from_json(step);
    if (!parsed.ok()) return parsed.error();
    out.steps_.push_back(std::move(*parsed));
  }
  return out;
}

std::string TokenDecoder::decode(std::vector<std::string> tokens) const {
  if (none_) {
    std::string joined;
    for (std::size_t i = 0; i < tokens.size(); ++i)
      joined += (i > 0 ? " " : "") + tokens[i];
    return joined;
  }
  for (const Step& step : steps_) {
    switch (step.kind) {
      case Step::Kind::Replace:
        for (std::string& token : tokens)
          token = replace_all(token, step.pattern, step.content);
        break;
      case Step::Kind::ByteFallback:
        tokens = byte_fallback(std::move(tokens));
        break;
      case Step::Kind::Fuse: {
        std::string fused;
        for (const std::string& token : tokens)
          fused += token;
        tokens.assign(1, std::move(fused));
        break;
      }
      case Step::Kind::Strip:
        for (std::string& token : tokens) {
          for (int i = 0; i < step.start && token.starts_with(step.pattern); ++i)
            token.erase(0, step.pattern.size());
          for (int i = 0; i < step.stop && token.ends_with(step.pattern); ++i)
            token.erase(token.size() - step.pattern.size());
        }
        break;
      case Step::Kind::Metaspace:
        // As tokenizers: in the first token the replacement is dropped, elsewhere a space.
        for (std::size_t i = 0; i < tokens.size(); ++i) {
          const bool drop = i == 0 && step.strip_first;
          tokens[i] = replace_all(tokens[i], step.pattern, drop ? "" : " ");
        }
        break;
    }
  }
  std::string out;
  for (const std::string& token : tokens)
    out += token;
  return out;
}

}  // namespace afbs
