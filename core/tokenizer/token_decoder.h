#pragma once

#include <string>
#include <variant>
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
  struct Replace {
    std::string pattern, content;
  };
  struct ByteFallback {};
  struct Fuse {};
  struct Strip {
    std::string content;  // one character, as UTF-8
    int start = 0, stop = 0;
  };
  struct Metaspace {
    std::string replacement;
    bool strip_first = true;  // prepend_scheme is not "never"
  };
  using Step = std::variant<Replace, ByteFallback, Fuse, Strip, Metaspace>;
  static Result<Step> step_from_json(const nlohmann::json& step);

  std::vector<Step> steps_;
  bool none_ = true;  // no decoder at all
};

}  // namespace afbs
