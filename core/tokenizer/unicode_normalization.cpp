#include "core/tokenizer/unicode_normalization.h"

#include <utf8proc.h>

#include <cstdlib>
#include <memory>

#include "core/tokenizer/utf8.h"

namespace afbs {
namespace {

utf8proc_option_t options_of(UnicodeForm form) {
  switch (form) {
    case UnicodeForm::NFC:
      return static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    case UnicodeForm::NFKC:
      return static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
    case UnicodeForm::NFD:
      return static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE);
    case UnicodeForm::NFKD:
      return static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
  }
  return UTF8PROC_STABLE;
}

// One stretch of valid UTF-8, normalised (unchanged if utf8proc refuses it).
void append_normalized(std::string_view valid, utf8proc_option_t options, std::string& out) {
  if (valid.empty()) return;
  utf8proc_uint8_t* result = nullptr;
  const utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(valid.data()),
                   static_cast<utf8proc_ssize_t>(valid.size()), &result, options);
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(result, &std::free);
  if (length < 0) {
    out.append(valid);
    return;
  }
  out.append(reinterpret_cast<const char*>(result), static_cast<std::size_t>(length));
}

}  // namespace

std::optional<UnicodeForm> unicode_form_named(std::string_view name) {
  if (name == "NFC") return UnicodeForm::NFC;
  if (name == "NFKC") return UnicodeForm::NFKC;
  if (name == "NFD") return UnicodeForm::NFD;
  if (name == "NFKD") return UnicodeForm::NFKD;
  return std::nullopt;
}

std::string normalize_unicode(std::string_view text, UnicodeForm form) {
  const utf8proc_option_t options = options_of(form);
  std::string out;
  out.reserve(text.size());
  std::size_t valid_start = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const utf8::DecodedChar c = utf8::decode_char(text, pos);
    if (!c.valid) {
      append_normalized(text.substr(valid_start, pos - valid_start), options, out);
      out.append(text.substr(pos, static_cast<std::size_t>(c.length)));
      valid_start = pos + static_cast<std::size_t>(c.length);
    }
    pos += static_cast<std::size_t>(c.length);
  }
  append_normalized(text.substr(valid_start), options, out);
  return out;
}

}  // namespace afbs
