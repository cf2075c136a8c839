#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace afbs {

// The pre-tokeniser regexes byte-level BPE models ship, matched by hand since std::regex has
// no \p{L} or \p{N}: GPT-2's, Llama-3's and Qwen2's (Llama-3's with single digits). Each
// alternative is tried in order at each position, with the backtracking the regex engine
// would do, so the pieces equal Oniguruma's matches.
class PretokenizerPattern {
 public:
  static constexpr std::string_view kGpt2 =
      R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
  static constexpr std::string_view kLlama3 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
  static constexpr std::string_view kQwen2 =
      R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

  // Error naming the pattern when it is none of the above.
  static Result<PretokenizerPattern> from_regex(std::string_view regex);

  // `text` cut into consecutive pieces: every match, and any text between matches (what a
  // Split with the "Isolated" behaviour yields).
  std::vector<std::string_view> split(std::string_view text) const;

 private:
  enum class Flavor { Gpt2, Llama3 };
  PretokenizerPattern(Flavor flavor, int max_digits) : flavor_(flavor), max_digits_(max_digits) {}

  Flavor flavor_;
  int max_digits_;  // \p{N}{1,max_digits} in the Llama-3 flavour
};

}  // namespace afbs
