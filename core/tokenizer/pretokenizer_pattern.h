#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace afbs {

// A pre-tokenizer pattern of tokenizer.json (a Split's {"Regex": ...} or {"String": ...}),
// matched by PCRE2 in UTF mode with Unicode properties (\p{L}, \p{N}, \s as Unicode
// White_Space), which reads the patterns `tokenizers` hands to Oniguruma. Empty matches are
// skipped as Oniguruma's find_iter does; malformed UTF-8 bytes never match (they fall in the
// gaps between matches).
class PretokenizerPattern {
 public:
  // The patterns byte-level BPE models ship (tests and ByteLevel's use_regex use them).
  static constexpr std::string_view kGpt2 =
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
  static constexpr std::string_view kLlama3 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  static constexpr std::string_view kQwen2 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

  // Compiles `regex`; the error names the pattern, PCRE2's message and the offset.
  static Result<PretokenizerPattern> from_regex(std::string_view regex);
  // A literal string (Split's {"String": ...}).
  static Result<PretokenizerPattern> from_literal(std::string_view literal);

  // One stretch of the text: a match, or the text between matches.
  struct Span {
    std::size_t begin = 0, end = 0;
    bool is_match = false;
  };
  // `text` cut into consecutive spans covering it, in order; no empty spans.
  std::vector<Span> spans(std::string_view text) const;

  // Every match, and any text between matches (what a Split with the "Isolated" behaviour
  // yields).
  std::vector<std::string_view> split(std::string_view text) const;

 private:
  struct Compiled;
  static Result<PretokenizerPattern> compile(std::string_view pattern, bool literal);
  explicit PretokenizerPattern(std::shared_ptr<const Compiled> compiled)
      : compiled_(std::move(compiled)) {}

  std::shared_ptr<const Compiled> compiled_;  // immutable, shared by copies
};

}  // namespace afbs
