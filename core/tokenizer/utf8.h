#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace afbs::utf8 {

// One decoded character: `length` bytes of the input; `valid` is false for a malformed
// sequence, which then counts as one byte (as SentencePiece and Rust's lossy decoding do).
struct DecodedChar {
  char32_t code_point = 0;
  int length = 1;
  bool valid = false;
};

// Strict decoding: no overlong forms, surrogates or code points past U+10FFFF.
DecodedChar decode_char(std::string_view text, std::size_t pos);

// Byte length of a character from its lead byte alone (SentencePiece's OneCharLen).
int length_from_lead_byte(unsigned char lead);

void append_code_point(std::string& out, char32_t code_point);

// `bytes` with every malformed byte replaced by U+FFFD.
std::string replace_invalid(std::string_view bytes);

}  // namespace afbs::utf8
