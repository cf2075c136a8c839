#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"
#include "core/tokenizer/pretokenizer_pattern.h"

namespace afbs {

// tokenizer.json's pre_tokenizer, as `tokenizers` applies it: a Sequence of Split (any Regex
// or String pattern; behaviours Isolated, Removed, MergedWithPrevious, MergedWithNext,
// Contiguous; invert), Digits, Punctuation, Metaspace (spaces to its replacement, prepended
// by prepend_scheme always / first / never, split or not), and ByteLevel last (add_prefix_space
// on every piece, use_regex with GPT-2's pattern). Each step cuts every piece of the step
// before. Null is no step: the text is one piece.
class PreTokenizer {
 public:
  // The error names the step and the setting that is unsupported.
  static Result<PreTokenizer> from_json(const nlohmann::json& pre_tokenizer);

  // `text` cut into the pieces BPE encodes one by one (empty pieces dropped). `at_text_start`:
  // `text` begins the whole input (Metaspace's "first" scheme prepends only there).
  std::vector<std::string> split(std::string_view text, bool at_text_start = true) const;
  bool has_byte_level() const { return byte_level_; }

 private:
  enum class Behavior { Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous };
  enum class PrependScheme { Always, First, Never };
  struct Metaspace {
    std::string replacement;  // one character, as UTF-8
    PrependScheme prepend = PrependScheme::Always;
  };
  struct Step {
    PretokenizerPattern pattern;
    Behavior behavior = Behavior::Isolated;
    bool invert = false;
    bool prefix_space = false;  // ByteLevel's add_prefix_space, before the pattern
    std::optional<Metaspace> metaspace = std::nullopt;  // set: replace, prepend, then split
  };
  // A piece and whether it begins the whole input.
  struct Piece {
    std::string text;
    bool at_text_start = false;
  };
  static Result<Behavior> behavior_named(const std::string& name);
  static Result<Step> metaspace_step(const nlohmann::json& step);
  static std::vector<Piece> apply(const Step& step, const Piece& piece);

  std::vector<Step> steps_;
  bool byte_level_ = false;
};

}  // namespace afbs
