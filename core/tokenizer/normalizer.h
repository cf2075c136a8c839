#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"
#include "core/tokenizer/pretokenizer_pattern.h"
#include "core/tokenizer/unicode_normalization.h"

namespace afbs {

// tokenizer.json's "normalizer", applied to each stretch of text between added tokens as
// `tokenizers` does: NFC, NFKC, NFD, NFKD (libutf8proc), Replace (a String or Regex pattern,
// every match), Prepend (before non-empty text), or a Sequence of them; null is none.
class Normalizer {
 public:
  // The error names the unsupported step and lists the supported ones.
  static Result<Normalizer> from_json(const nlohmann::json& normalizer);

  std::string apply(std::string_view text) const;

 private:
  struct Replace {
    PretokenizerPattern pattern;
    std::string content;
  };
  struct Prepend {
    std::string prefix;
  };
  using Step = std::variant<UnicodeForm, Replace, Prepend>;
  static Result<Step> step_from_json(const nlohmann::json& step);

  std::vector<Step> steps_;
};

}  // namespace afbs
