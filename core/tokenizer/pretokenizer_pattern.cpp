#include "core/tokenizer/pretokenizer_pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "core/tokenizer/utf8.h"

namespace afbs {

struct PretokenizerPattern::Compiled {
  pcre2_code* code = nullptr;
  ~Compiled() { pcre2_code_free(code); }
};

namespace {

struct MatchData {
  pcre2_match_data* data;
  explicit MatchData(const pcre2_code* code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)) {}
  ~MatchData() { pcre2_match_data_free(data); }
  MatchData(const MatchData&) = delete;
  MatchData& operator=(const MatchData&) = delete;
};

}  // namespace

Result<PretokenizerPattern> PretokenizerPattern::compile(std::string_view pattern, bool literal) {
  // UCP: \s, \w, \d and POSIX classes by Unicode properties, as Oniguruma's do on UTF-8.
  // MATCH_INVALID_UTF: a malformed byte in the text is skipped, not an error.
  // (PCRE2_LITERAL takes no UCP: a literal has no classes anyway.)
  const uint32_t options =
      PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (literal ? PCRE2_LITERAL : PCRE2_UCP);
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  auto compiled = std::make_shared<Compiled>();
  compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 options, &error_code, &error_offset, nullptr);
  if (compiled->code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    return Error{"pre-tokenizer regex '" + std::string(pattern) +
                 "' does not compile: " + reinterpret_cast<const char*>(message) + " (at byte " +
                 std::to_string(error_offset) + ")"};
  }
  (void)pcre2_jit_compile(compiled->code, PCRE2_JIT_COMPLETE);  // the interpreter if no JIT
  return PretokenizerPattern(std::move(compiled));
}

Result<PretokenizerPattern> PretokenizerPattern::from_regex(std::string_view regex) {
  return compile(regex, /*literal=*/false);
}

Result<PretokenizerPattern> PretokenizerPattern::from_literal(std::string_view literal) {
  if (literal.empty()) return Error{"a Split's String pattern is empty"};
  return compile(literal, /*literal=*/true);
}

std::vector<PretokenizerPattern::Span> PretokenizerPattern::spans(std::string_view text) const {
  std::vector<Span> out;
  const pcre2_code* code = compiled_->code;
  MatchData match(code);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  std::size_t gap_start = 0, pos = 0;
  while (pos <= text.size()) {
    const int found = pcre2_match(code, subject, text.size(), pos, 0, match.data, nullptr);
    if (found < 0) break;  // PCRE2_ERROR_NOMATCH (or a resource limit: the rest is a gap)
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.data);
    const std::size_t begin = ovector[0], end = ovector[1];
    if (begin == end) {  // empty: no piece; try again one character later
      if (begin >= text.size()) break;
      pos = begin + static_cast<std::size_t>(utf8::decode_char(text, begin).length);
      continue;
    }
    if (gap_start < begin) out.push_back({gap_start, begin, false});
    out.push_back({begin, end, true});
    gap_start = pos = end;
  }
  if (gap_start < text.size()) out.push_back({gap_start, text.size(), false});
  return out;
}

std::vector<std::string_view> PretokenizerPattern::split(std::string_view text) const {
  std::vector<std::string_view> pieces;
  for (const Span& span : spans(text))
    pieces.push_back(text.substr(span.begin, span.end - span.begin));
  return pieces;
}

}  // namespace afbs
