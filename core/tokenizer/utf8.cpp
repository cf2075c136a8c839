#include "core/tokenizer/utf8.h"

namespace afbs::utf8 {
namespace {

bool is_trail_byte(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

bool is_valid_code_point(char32_t cp) {
  return cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF);
}

}  // namespace

DecodedChar decode_char(std::string_view text, std::size_t pos) {
  const std::size_t left = text.size() - pos;
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1, true};
  if (left >= 2 && (lead & 0xE0) == 0xC0 && is_trail_byte(byte(1))) {
    const char32_t cp = ((lead & 0x1Fu) << 6) | (byte(1) & 0x3Fu);
    if (cp >= 0x80) return {cp, 2, true};
  } else if (left >= 3 && (lead & 0xF0) == 0xE0 && is_trail_byte(byte(1)) &&
             is_trail_byte(byte(2))) {
    const char32_t cp = ((lead & 0x0Fu) << 12) | ((byte(1) & 0x3Fu) << 6) | (byte(2) & 0x3Fu);
    if (cp >= 0x800 && is_valid_code_point(cp)) return {cp, 3, true};
  } else if (left >= 4 && (lead & 0xF8) == 0xF0 && is_trail_byte(byte(1)) &&
             is_trail_byte(byte(2)) && is_trail_byte(byte(3))) {
    const char32_t cp = ((lead & 0x07u) << 18) | ((byte(1) & 0x3Fu) << 12) |
                        ((byte(2) & 0x3Fu) << 6) | (byte(3) & 0x3Fu);
    if (cp >= 0x10000 && is_valid_code_point(cp)) return {cp, 4, true};
  }
  return {0xFFFD, 1, false};
}

int length_from_lead_byte(unsigned char lead) {
  static constexpr int kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLengths[lead >> 4];
}

void append_code_point(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string replace_invalid(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t pos = 0; pos < bytes.size();) {
    const DecodedChar c = decode_char(bytes, pos);
    if (c.valid) {
      out.append(bytes.substr(pos, c.length));
    } else {
      append_code_point(out, 0xFFFD);
    }
    pos += c.length;
  }
  return out;
}

}  // namespace afbs::utf8
