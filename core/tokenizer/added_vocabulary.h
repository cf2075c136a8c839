#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"

namespace afbs {

// tokenizer.json's "added_tokens": cut out of the text before anything else, leftmost-longest,
// with their lstrip / rstrip / single_word settings, as tokenizers' AddedVocabulary does.
class AddedVocabulary {
 public:
  struct Token {
    std::string content;
    int id = -1;
    bool lstrip = false;
    bool rstrip = false;
    bool single_word = false;
  };
  // A stretch of the text: an added token (`id` >= 0) or plain text to tokenize (`id` -1).
  struct Segment {
    std::string_view text;
    std::size_t offset = 0;  // where it starts in the whole text
    int id = -1;
  };

  // `added` is the "added_tokens" array (null: none); ids at or past `max_ids` are refused.
  static Result<AddedVocabulary> from_json(const nlohmann::json& added, int64_t max_ids);

  // `text` as consecutive segments; plain ones are never empty.
  std::vector<Segment> split(std::string_view text) const;
  const std::vector<Token>& tokens() const { return tokens_; }
  int id_of(std::string_view content) const;  // -1 when not an added token

 private:
  std::vector<Token> tokens_;
  std::array<std::vector<std::size_t>, 256> by_first_byte_;  // indices into tokens_
};

}  // namespace afbs
