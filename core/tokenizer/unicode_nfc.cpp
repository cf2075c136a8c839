#include "core/tokenizer/unicode_nfc.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <vector>

#include "core/tokenizer/utf8.h"

namespace afbs {
namespace {

struct CombiningClassRange {
  char32_t first;
  char32_t last;
  uint8_t combining_class;
};
struct Decomposition {
  char32_t code_point;
  char32_t first;
  char32_t second;  // 0 for a singleton
};
struct Composition {
  char32_t first;
  char32_t second;
  char32_t composite;
};

#include "core/tokenizer/unicode_nfc_tables.inc"

// Hangul syllables are composed and decomposed arithmetically (Unicode §3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
                   kSCount = kLCount * kNCount;
// Malformed bytes travel as these out-of-range values and are written back as the raw byte.
constexpr char32_t kRawByteBase = 0x110000;

int combining_class(char32_t cp) {
  const auto it = std::upper_bound(
      std::begin(kCombiningClasses), std::end(kCombiningClasses), cp,
      [](char32_t value, const CombiningClassRange& r) { return value < r.first; });
  if (it == std::begin(kCombiningClasses) || cp > std::prev(it)->last) return 0;
  return std::prev(it)->combining_class;
}

void decompose(char32_t cp, std::vector<char32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t index = cp - kSBase;
    out.push_back(kLBase + index / kNCount);
    out.push_back(kVBase + (index % kNCount) / kTCount);
    if (index % kTCount != 0) out.push_back(kTBase + index % kTCount);
    return;
  }
  const auto it =
      std::lower_bound(std::begin(kCanonicalDecompositions), std::end(kCanonicalDecompositions), cp,
                       [](const Decomposition& d, char32_t value) { return d.code_point < value; });
  if (it == std::end(kCanonicalDecompositions) || it->code_point != cp) {
    out.push_back(cp);
    return;
  }
  decompose(it->first, out);
  if (it->second != 0) decompose(it->second, out);
}

// The primary composite of a pair, or 0.
char32_t compose(char32_t first, char32_t second) {
  if (first >= kLBase && first < kLBase + kLCount && second >= kVBase &&
      second < kVBase + kVCount) {
    return kSBase + ((first - kLBase) * kVCount + (second - kVBase)) * kTCount;
  }
  if (first >= kSBase && first < kSBase + kSCount && (first - kSBase) % kTCount == 0 &&
      second > kTBase && second < kTBase + kTCount) {
    return first + (second - kTBase);
  }
  const auto it = std::lower_bound(std::begin(kPrimaryComposites), std::end(kPrimaryComposites),
                                   std::pair{first, second}, [](const Composition& c, auto key) {
                                     return std::pair{c.first, c.second} < key;
                                   });
  if (it == std::end(kPrimaryComposites) || it->first != first || it->second != second) return 0;
  return it->composite;
}

}  // namespace

std::string to_nfc(std::string_view text) {
  // Below U+0300 nothing decomposes, combines or gets reordered (checked by the generator).
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0xCC; })) {
    return std::string(text);
  }
  std::vector<char32_t> chars;
  for (std::size_t pos = 0; pos < text.size();) {
    const utf8::DecodedChar c = utf8::decode_char(text, pos);
    if (c.valid) {
      decompose(c.code_point, chars);
    } else {
      chars.push_back(kRawByteBase + static_cast<unsigned char>(text[pos]));
    }
    pos += static_cast<std::size_t>(c.length);
  }
  // Canonical ordering: stable sort of each run of non-starters by combining class.
  for (std::size_t begin = 0; begin < chars.size();) {
    if (combining_class(chars[begin]) == 0) {
      ++begin;
      continue;
    }
    std::size_t end = begin;
    while (end < chars.size() && combining_class(chars[end]) != 0)
      ++end;
    std::stable_sort(chars.begin() + static_cast<std::ptrdiff_t>(begin),
                     chars.begin() + static_cast<std::ptrdiff_t>(end), [](char32_t a, char32_t b) {
                       return combining_class(a) < combining_class(b);
                     });
    begin = end;
  }
  // Canonical composition, as UAX #15's sample: a character joins the last starter unless a
  // character between them is blocking (a starter, or of the same or a higher class).
  if (!chars.empty()) {
    std::size_t starter = 0;
    std::size_t kept = 1;
    int last_class = combining_class(chars[0]) == 0 ? 0 : 256;
    for (std::size_t i = 1; i < chars.size(); ++i) {
      const char32_t c = chars[i];
      const int c_class = combining_class(c);
      const char32_t composite = compose(chars[starter], c);
      if (composite != 0 && (last_class < c_class || last_class == 0)) {
        chars[starter] = composite;
        continue;
      }
      if (c_class == 0) starter = kept;
      last_class = c_class;
      chars[kept++] = c;
    }
    chars.resize(kept);
  }
  std::string out;
  out.reserve(text.size());
  for (const char32_t c : chars) {
    if (c >= kRawByteBase) {
      out += static_cast<char>(c - kRawByteBase);
    } else {
      utf8::append_code_point(out, c);
    }
  }
  return out;
}

}  // namespace afbs
