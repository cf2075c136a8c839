#pragma once

namespace afbs {

// Unicode character classes the pre-tokeniser patterns use: \p{L}, \p{N} and \s.
bool is_unicode_letter(char32_t code_point);
bool is_unicode_number(char32_t code_point);
// The White_Space property, which is what \s means in Oniguruma and Rust's regex.
bool is_unicode_whitespace(char32_t code_point);

}  // namespace afbs
