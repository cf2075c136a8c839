#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"

namespace afbs {

// tokenizer.json's "decoder" for BPE over characters, as `tokenizers` chains it over the token
// strings: Replace (a String pattern), ByteFallback (<0xNN> runs to their UTF-8, U+FFFD per
// byte when malformed), Fuse (all into one), Strip (a character off each token's ends),
// Metaspace (its replacement back to spaces), or a Sequence of them. Null joins the tokens
// with spaces, as tokenizers does without a decoder.
class TokenDecoder {
 public:
  // The error names the unsupported step and lists the supported ones.
  static Result<TokenDecoder> from_json(const nlohmann::json& decoder);

  std::string decode(std::vector<std::string> tokens) const;

 private:
  // One step (a plain struct: GCC 12's -Wmaybe-uninitialized misfires on a variant of strings).
  struct Step {
    enum class Kind { Replace, ByteFallback, Fuse, Strip, Metaspace };
    Kind kind = Kind::Fuse;
    std::string pattern;      // Replace's pattern; Strip's and Metaspace's character
    std::string content;      // Replace's content
    int start = 0, stop = 0;  // Strip: how many at each end
    bool strip_first = true;  // Metaspace: prepend_scheme is not "never"
  };
  static Result<Step> step_from_json(const nlohmann::json& step);

  std::vector<Step> steps_;
  bool none_ = true;  // no decoder at all
};

}  // namespace afbs
