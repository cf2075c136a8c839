#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.h"
#include "core/tokenizer/sentencepiece_model_proto.h"

namespace afbs {

// SentencePiece's Normalizer: applies the model's precompiled character map (the rules of
// nmt_nfkc and friends, stored in the model as a Darts double-array trie, so no Unicode
// tables of our own are needed), then the dummy prefix, whitespace collapsing and the
// space-to-U+2581 escape. User-defined symbols are left untouched.
class SentencePieceNormalizer {
 public:
  // The longest replacement of NFKC and its variants is 33 bytes (U+FDFA).
  static constexpr std::size_t kMaxReplacementBytes = 256;

  // Error when the precompiled character map is malformed, or maps a character to more than
  // kMaxReplacementBytes (a map that amplifies every character would fill the memory).
  static Result<SentencePieceNormalizer> create(const SentencePieceModelProto::NormalizerSpec& spec,
                                                std::vector<std::string> user_defined_symbols);

  std::string normalize(std::string_view text) const;

  // Length of the longest user-defined symbol `text` starts with, 0 when none.
  std::size_t match_user_defined(std::string_view text) const;

 private:
  // The normalised form of the longest rule matching the start of `input`, and how many
  // input bytes it consumes (at least one).
  std::pair<std::string_view, std::size_t> normalize_prefix(std::string_view input) const;
  // Length and value of the longest charsmap key that `input` starts with; length 0 if none.
  std::pair<std::size_t, uint32_t> longest_charsmap_match(std::string_view input) const;

  SentencePieceModelProto::NormalizerSpec spec_;
  // Looked up by length, longest first: a model with 10^5 symbols once took a minute to
  // tokenise a page when every symbol was tried at every position.
  std::set<std::string, std::less<>> user_defined_symbols_;
  std::vector<std::size_t> user_defined_lengths_;  // distinct, descending
  std::vector<uint32_t> trie_units_;               // Darts-clone double array
  std::string normalized_strings_;                 // NUL-separated replacement strings
};

}  // namespace afbs
