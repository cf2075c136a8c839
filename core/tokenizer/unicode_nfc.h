#pragma once

#include <string>
#include <string_view>

namespace afbs {

// Unicode Normalization Form C (UAX #15: canonical decomposition, canonical ordering, then
// canonical composition), as the NFC normaliser of Qwen2's tokenizer.json needs. Tables are
// generated from Python's unicodedata (tools/gen_unicode_nfc.py). Malformed UTF-8 bytes pass
// through unchanged.
std::string to_nfc(std::string_view text);

}  // namespace afbs
