#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace afbs {

// The Unicode normalisation forms of UAX #15 a tokenizer.json normalizer may ask for.
enum class UnicodeForm { NFC, NFKC, NFD, NFKD };

// "NFC", "NFKC", "NFD", "NFKD" (tokenizer.json's normalizer types); nullopt for others.
std::optional<UnicodeForm> unicode_form_named(std::string_view name);

// `text` in `form`, by Debian's libutf8proc. Malformed UTF-8 bytes pass through unchanged
// (the valid stretches between them are normalised).
std::string normalize_unicode(std::string_view text, UnicodeForm form);

inline std::string to_nfc(std::string_view text) {
  return normalize_unicode(text, UnicodeForm::NFC);
}

}  // namespace afbs
