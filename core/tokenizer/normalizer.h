#pragma once

#include <optional>
#include <string>
#include <string_view>
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
  // One step (a plain struct: GCC 12's -Wmaybe-uninitialized misfires on a variant of strings).
  struct Step {
    enum class Kind { Unicode, Replace, Prepend };
    Kind kind = Kind::Unicode;
    UnicodeForm form = UnicodeForm::NFC;         // Unicode
    std::optional<PretokenizerPattern> pattern;  // Replace: what is replaced
    std::string text;                            // Replace's content, Prepend's prefix
  };
  static Result<Step> step_from_json(const nlohmann::json& step);

  std::vector<Step> steps_;
};

}  // namespace afbs
