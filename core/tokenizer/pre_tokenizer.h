#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"
#include "core/tokenizer/pretokenizer_pattern.h"

namespace afbs {

// tokenizer.json's pre_tokenizer for byte-level BPE, as `tokenizers` applies it: a Sequence
// of Split (any Regex or String pattern; behaviours Isolated, Removed, MergedWithPrevious,
// MergedWithNext, Contiguous; invert), Digits, Punctuation, ending in ByteLevel
// (add_prefix_space on every piece, use_regex with GPT-2's pattern). Each step cuts every
// piece of the step before.
class PreTokenizer {
 public:
  // The error names the step and the setting that is unsupported.
  static Result<PreTokenizer> from_json(const nlohmann::json& pre_tokenizer);

  // `text` cut into the pieces BPE encodes one by one (empty pieces dropped).
  std::vector<std::string> split(std::string_view text) const;

 private:
  enum class Behavior { Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous };
  struct Step {
    PretokenizerPattern pattern;
    Behavior behavior = Behavior::Isolated;
    bool invert = false;
    bool prefix_space = false;  // ByteLevel's add_prefix_space, before the pattern
  };
  static Result<Behavior> behavior_named(const std::string& name);
  static std::vector<std::string> apply(const Step& step, std::string_view piece);

  std::vector<Step> steps_;
};

}  // namespace afbs
