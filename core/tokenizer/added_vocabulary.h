#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"
#include "core/tokenizer/normalizer.h"

namespace afbs {

// tokenizer.json's "added_tokens", cut out leftmost-longest with their lstrip / rstrip /
// single_word settings, as tokenizers' AddedVocabulary does: those marked "normalized": false
// (special tokens, by default) from the raw text, the others, normalised themselves, from the
// normalised text.
class AddedVocabulary {
 public:
  struct Token {
    std::string content;
    int id = -1;
    bool lstrip = false;
    bool rstrip = false;
    bool single_word = false;
    bool normalized = false;  // matched in the normalised text
    std::string match = {};   // what is looked for: `content`, normalised when `normalized`
  };
  // A stretch of the text: an added token (`id` >= 0) or plain text to tokenize (`id` -1).
  struct Segment {
    std::string_view text;
    std::size_t offset = 0;  // where it starts in the whole text
    int id = -1;
  };

  // `added` is the "added_tokens" array (null: none); ids at or past `max_ids` are refused.
  static Result<AddedVocabulary> from_json(const nlohmann::json& added, int64_t max_ids);

  // Normalises what the "normalized" tokens match, as tokenizers does (Prepend("▁") makes
  // "<|im_start|>" match "▁<|im_start|>").
  void normalize_matches(const Normalizer& normalizer);

  // `text` as consecutive segments, cutting out the tokens matched in raw text
  // (`normalized_text` false) or in normalised text (true); plain segments are never empty.
  std::vector<Segment> split(std::string_view text, bool normalized_text) const;
  const std::vector<Token>& tokens() const { return tokens_; }
  int id_of(std::string_view content) const;  // -1 when not an added token

 private:
  void index_by_first_byte();

  std::vector<Token> tokens_;
  // Indices into tokens_ by first byte: [0] raw-text tokens, [1] normalised-text tokens.
  std::array<std::array<std::vector<std::size_t>, 256>, 2> by_first_byte_;
};

}  // namespace afbs
