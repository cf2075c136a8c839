#include "core/tokenizer/added_vocabulary.h"

#include <nlohmann/json.hpp>

namespace afbs {
namespace {

using json = nlohmann::json;

bool is_word_char(char32_t c) {
  return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         c >= 0x80;
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool flag(const json& object, const char* key, bool fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

}  // namespace

Result<AddedVocabulary> AddedVocabulary::from_json(const json& added, int64_t max_ids) {
  AddedVocabulary out;
  if (added.is_null()) return out;
  if (!added.is_array()) return Error{"'added_tokens' is not an array"};
  for (const json& entry : added) {
    if (!entry.is_object() || !entry.contains("id") || !entry.contains("content") ||
        !entry["id"].is_number_integer() || !entry["content"].is_string()) {
      return Error{"an added token lacks an integer 'id' or a string 'content'"};
    }
    // As tokenizers' AddedToken: "normalized" defaults to not "special".
    const bool special = flag(entry, "special", false);
    Token token{entry["content"].get<std::string>(), 0,
                flag(entry, "lstrip", false),        flag(entry, "rstrip", false),
                flag(entry, "single_word", false),   flag(entry, "normalized", !special)};
    const int64_t id = entry["id"].get<int64_t>();
    if (id < 0 || id >= max_ids)
      return Error{"added token '" + token.content + "' has id out of range"};
    if (token.content.empty()) return Error{"an added token is empty"};
    token.id = static_cast<int>(id);
    token.match = token.content;
    out.tokens_.push_back(std::move(token));
  }
  out.index_by_first_byte();
  return out;
}

void AddedVocabulary::normalize_matches(const Normalizer& normalizer) {
  for (Token& token : tokens_) {
    if (token.normalized) token.match = normalizer.apply(token.content);
  }
  index_by_first_byte();
}

void AddedVocabulary::index_by_first_byte() {
  for (auto& table : by_first_byte_) {
    for (auto& list : table)
      list.clear();
  }
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const Token& token = tokens_[i];
    if (token.match.empty()) continue;  // normalised away: never matches
    const auto first_byte = static_cast<unsigned char>(token.match.front());
    by_first_byte_[token.normalized ? 1 : 0][first_byte].push_back(i);
  }
}

int AddedVocabulary::id_of(std::string_view content) const {
  for (const Token& token : tokens_) {
    if (token.content == content) return token.id;
  }
  return -1;
}

std::vector<AddedVocabulary::Segment> AddedVocabulary::split(std::string_view text,
                                                             bool normalized_text) const {
  const auto& by_first_byte = by_first_byte_[normalized_text ? 1 : 0];
  std::vector<Segment> out;
  const auto plain = [&](std::size_t begin, std::size_t end) {
    if (end > begin) out.push_back({text.substr(begin, end - begin), begin, -1});
  };
  std::size_t segment_start = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const Token* best = nullptr;
    for (const std::size_t index : by_first_byte[static_cast<unsigned char>(text[pos])]) {
      const Token& token = tokens_[index];
      if ((best == nullptr || token.match.size() > best->match.size()) &&
          text.substr(pos).starts_with(token.match)) {
        const std::size_t end = pos + token.match.size();
        if (token.single_word &&
            ((pos > 0 && is_word_char(static_cast<unsigned char>(text[pos - 1]))) ||
             (end < text.size() && is_word_char(static_cast<unsigned char>(text[end]))))) {
          continue;
        }
        best = &token;
      }
    }
    if (best == nullptr) {
      ++pos;
      continue;
    }
    std::size_t segment_end = pos;
    if (best->lstrip) {
      while (segment_end > segment_start && is_ascii_space(text[segment_end - 1]))
        --segment_end;
    }
    plain(segment_start, segment_end);
    out.push_back({text.substr(pos, best->match.size()), pos, best->id});
    pos += best->match.size();
    if (best->rstrip) {
      while (pos < text.size() && is_ascii_space(text[pos]))
        ++pos;
    }
    segment_start = pos;
  }
  plain(segment_start, text.size());
  return out;
}

}  // namespace afbs
