#include "core/tokenizer/pretokenizer_pattern.h"

#include <cstddef>

#include "core/tokenizer/unicode_class.h"
#include "core/tokenizer/utf8.h"

namespace afbs {
namespace {

// The text as code points; malformed bytes count as one non-letter character each.
struct CodePoints {
  std::vector<char32_t> chars;
  std::vector<std::size_t> offsets;  // byte offset of each char, plus the text's size

  explicit CodePoints(std::string_view text) {
    for (std::size_t pos = 0; pos < text.size();) {
      const utf8::DecodedChar c = utf8::decode_char(text, pos);
      chars.push_back(c.code_point);
      offsets.push_back(pos);
      pos += c.length;
    }
    offsets.push_back(text.size());
  }
  std::size_t size() const { return chars.size(); }
};

bool is_letter(char32_t c) {
  return is_unicode_letter(c);
}
bool is_number(char32_t c) {
  return is_unicode_number(c);
}
bool is_space(char32_t c) {
  return is_unicode_whitespace(c);
}
bool is_line_break(char32_t c) {
  return c == '\r' || c == '\n';
}
// [^\s\p{L}\p{N}]
bool is_other(char32_t c) {
  return !is_space(c) && !is_letter(c) && !is_number(c);
}

// Lower case for the case-insensitive contractions; U+017F (long s) folds to 's'.
char32_t fold_ascii(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + ('a' - 'A');
  if (c == 0x17F) return 's';
  return c;
}

template <class Predicate>
std::size_t run_end(const CodePoints& t, std::size_t i, Predicate predicate) {
  while (i < t.size() && predicate(t.chars[i]))
    ++i;
  return i;
}

// 's|'t|'re|'ve|'m|'ll|'d at i, optionally ignoring case; the end, or 0 when no match.
std::size_t match_contraction(const CodePoints& t, std::size_t i, bool ignore_case) {
  static constexpr std::u32string_view kSuffixes[] = {U"s", U"t", U"re", U"ve", U"m", U"ll", U"d"};
  if (t.chars[i] != '\'') return 0;
  for (const std::u32string_view suffix : kSuffixes) {
    if (i + 1 + suffix.size() > t.size()) continue;
    bool same = true;
    for (std::size_t k = 0; k < suffix.size() && same; ++k) {
      const char32_t c = t.chars[i + 1 + k];
      same = (ignore_case ? fold_ascii(c) : c) == suffix[k];
    }
    if (same) return i + 1 + suffix.size();
  }
  return 0;
}

// \s*[\r\n]+ then \s+(?!\S) then \s+ at a whitespace character i.
std::size_t match_whitespace(const CodePoints& t, std::size_t i, bool line_break_alternative) {
  const std::size_t end = run_end(t, i, is_space);
  if (line_break_alternative) {
    // \s* gives back characters until [\r\n]+ can match: the match ends after the run's last
    // line break.
    for (std::size_t k = end; k > i; --k) {
      if (is_line_break(t.chars[k - 1])) return k;
    }
  }
  if (end == t.size()) return end;   // \s+(?!\S) at the end of the text
  if (end - i >= 2) return end - 1;  // \s+(?!\S) leaving the last space to the next word
  return end;                        // \s+
}

// ' ?X+' for a class X: the end, or 0.
template <class Predicate>
std::size_t match_optional_space_run(const CodePoints& t, std::size_t i, Predicate in_class) {
  if (t.chars[i] == ' ' && i + 1 < t.size() && in_class(t.chars[i + 1])) {
    return run_end(t, i + 1, in_class);
  }
  if (in_class(t.chars[i])) return run_end(t, i, in_class);
  return 0;
}

std::size_t match_gpt2(const CodePoints& t, std::size_t i) {
  if (const std::size_t end = match_contraction(t, i, false)) return end;
  if (const std::size_t end = match_optional_space_run(t, i, is_letter)) return end;
  if (const std::size_t end = match_optional_space_run(t, i, is_number)) return end;
  if (const std::size_t end = match_optional_space_run(t, i, is_other)) return end;
  if (is_space(t.chars[i])) return match_whitespace(t, i, false);
  return 0;
}

std::size_t match_llama3(const CodePoints& t, std::size_t i, int max_digits) {
  const char32_t c = t.chars[i];
  if (const std::size_t end = match_contraction(t, i, true)) return end;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (!is_line_break(c) && !is_letter(c) && !is_number(c) && i + 1 < t.size() &&
      is_letter(t.chars[i + 1])) {
    return run_end(t, i + 1, is_letter);
  }
  if (is_letter(c)) return run_end(t, i, is_letter);
  // \p{N}{1,max_digits}
  if (is_number(c)) {
    std::size_t end = i;
    while (end < t.size() && end - i < static_cast<std::size_t>(max_digits) &&
           is_number(t.chars[end]))
      ++end;
    return end;
  }
  // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
  if (const std::size_t end = match_optional_space_run(t, i, is_other)) {
    return run_end(t, end, is_line_break);
  }
  if (is_space(c)) return match_whitespace(t, i, true);
  return 0;
}

}  // namespace

Result<PretokenizerPattern> PretokenizerPattern::from_regex(std::string_view regex) {
  if (regex == kGpt2) return PretokenizerPattern(Flavor::Gpt2, 0);
  if (regex == kLlama3) return PretokenizerPattern(Flavor::Llama3, 3);
  if (regex == kQwen2) return PretokenizerPattern(Flavor::Llama3, 1);
  return Error{"unsupported pre-tokenizer regex '" + std::string(regex) +
               "' (known: the GPT-2, Llama-3 and Qwen2 patterns)"};
}

std::vector<std::string_view> PretokenizerPattern::split(std::string_view text) const {
  const CodePoints t(text);
  std::vector<std::string_view> pieces;
  std::size_t gap_start = 0;
  for (std::size_t i = 0; i < t.size();) {
    const std::size_t end =
        flavor_ == Flavor::Gpt2 ? match_gpt2(t, i) : match_llama3(t, i, max_digits_);
    if (end <= i) {  // no match here: the character joins the gap before the next match
      ++i;
      continue;
    }
    if (gap_start < i)
      pieces.push_back(text.substr(t.offsets[gap_start], t.offsets[i] - t.offsets[gap_start]));
    pieces.push_back(text.substr(t.offsets[i], t.offsets[end] - t.offsets[i]));
    i = end;
    gap_start = end;
  }
  if (gap_start < t.size()) pieces.push_back(text.substr(t.offsets[gap_start]));
  return pieces;
}

}  // namespace afbs
