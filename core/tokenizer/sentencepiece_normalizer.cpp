#include "core/tokenizer/sentencepiece_normalizer.h"

#include <algorithm>
#include <functional>

#include "core/tokenizer/utf8.h"

namespace afbs {
namespace {

constexpr std::string_view kSpaceSymbol = "\xE2\x96\x81";  // U+2581, SentencePiece's escaped space
constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";
// SentencePiece keeps at most this many prefix matches per lookup (its stack buffer).
constexpr std::size_t kMaxTrieResults = 32;

uint32_t read_le32(std::string_view bytes, std::size_t offset) {
  uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  }
  return value;
}

// Fields of a Darts-clone double-array unit (darts.h).
bool unit_has_leaf(uint32_t unit) {
  return ((unit >> 8) & 1) == 1;
}
uint32_t unit_value(uint32_t unit) {
  return unit & ((1U << 31) - 1);
}
uint32_t unit_label(uint32_t unit) {
  return unit & ((1U << 31) | 0xFF);
}
uint32_t unit_offset(uint32_t unit) {
  return (unit >> 10) << ((unit & (1U << 9)) >> 6);
}

}  // namespace

Result<SentencePieceNormalizer> SentencePieceNormalizer::create(
    const SentencePieceModelProto::NormalizerSpec& spec,
    std::vector<std::string> user_defined_symbols) {
  SentencePieceNormalizer normalizer;
  normalizer.spec_ = spec;
  for (std::string& symbol : user_defined_symbols) {
    if (symbol.empty()) continue;
    normalizer.user_defined_lengths_.push_back(symbol.size());
    normalizer.user_defined_symbols_.insert(std::move(symbol));
  }
  auto& lengths = normalizer.user_defined_lengths_;
  std::sort(lengths.begin(), lengths.end(), std::greater<>());
  lengths.erase(std::unique(lengths.begin(), lengths.end()), lengths.end());
  const std::string_view blob = spec.precompiled_charsmap;
  if (!blob.empty()) {
    // Layout: trie size in bytes (little-endian uint32), the trie, then the strings.
    if (blob.size() < 4) return Error{"precompiled_charsmap is shorter than its header"};
    const uint32_t trie_bytes = read_le32(blob, 0);
    if (trie_bytes == 0 || trie_bytes % 4 != 0 || trie_bytes > blob.size() - 4) {
      return Error{"precompiled_charsmap has a trie size (" + std::to_string(trie_bytes) +
                   " bytes) that does not fit the map"};
    }
    normalizer.trie_units_.resize(trie_bytes / 4);
    for (std::size_t i = 0; i < normalizer.trie_units_.size(); ++i) {
      normalizer.trie_units_[i] = read_le32(blob, 4 + 4 * i);
    }
    normalizer.normalized_strings_ = std::string(blob.substr(4 + trie_bytes));
    std::size_t run = 0;
    for (char c : normalizer.normalized_strings_) {
      run = c == '\0' ? 0 : run + 1;
      if (run > kMaxReplacementBytes) {
        return Error{"precompiled_charsmap has a replacement longer than " +
                     std::to_string(kMaxReplacementBytes) + " bytes"};
      }
    }
  }
  return normalizer;
}

std::size_t SentencePieceNormalizer::match_user_defined(std::string_view text) const {
  for (std::size_t length : user_defined_lengths_) {
    if (length <= text.size() && user_defined_symbols_.count(text.substr(0, length)) != 0) {
      return length;
    }
  }
  return 0;
}

// Darts-clone's commonPrefixSearch, keeping the longest of the first kMaxTrieResults matches;
// every index is checked since the trie comes from the file.
std::pair<std::size_t, uint32_t> SentencePieceNormalizer::longest_charsmap_match(
    std::string_view input) const {
  std::pair<std::size_t, uint32_t> best{0, 0};
  if (trie_units_.empty()) return best;
  const std::size_t size = trie_units_.size();
  std::size_t results = 0;
  uint32_t id = unit_offset(trie_units_[0]);
  for (std::size_t i = 0; i < input.size(); ++i) {
    const auto label = static_cast<unsigned char>(input[i]);
    id ^= label;
    if (id >= size) break;
    const uint32_t unit = trie_units_[id];
    if (unit_label(unit) != label) break;
    id ^= unit_offset(unit);
    if (id >= size) break;
    if (unit_has_leaf(unit)) {
      if (results < kMaxTrieResults) best = {i + 1, unit_value(trie_units_[id])};
      ++results;
    }
  }
  return best;
}

std::pair<std::string_view, std::size_t> SentencePieceNormalizer::normalize_prefix(
    std::string_view input) const {
  if (const std::size_t length = match_user_defined(input); length > 0) {
    return {input.substr(0, length), length};
  }
  const auto [length, value] = longest_charsmap_match(input);
  if (length > 0 && value < normalized_strings_.size()) {
    const std::string_view strings = normalized_strings_;
    const std::size_t end = std::min(strings.find('\0', value), strings.size());
    return {strings.substr(value, end - value), length};
  }
  const utf8::DecodedChar c = utf8::decode_char(input, 0);
  if (!c.valid) return {kReplacementChar, 1};
  return {input.substr(0, c.length), static_cast<std::size_t>(c.length)};
}

// Mirrors SentencePiece's Normalizer::Normalize (treat_whitespace_as_suffix off).
std::string SentencePieceNormalizer::normalize(std::string_view input) const {
  std::string out;
  const bool collapse = spec_.remove_extra_whitespaces;
  if (collapse) {
    while (!input.empty()) {
      const auto [piece, consumed] = normalize_prefix(input);
      if (piece != " ") break;
      input.remove_prefix(consumed);
    }
  }
  if (input.empty()) return out;
  const std::string_view space = spec_.escape_whitespaces ? kSpaceSymbol : " ";
  if (spec_.add_dummy_prefix) out += space;
  bool is_prev_space = collapse;
  while (!input.empty()) {
    auto [piece, consumed] = normalize_prefix(input);
    if (is_prev_space) {
      while (piece.starts_with(' '))
        piece.remove_prefix(1);
    }
    if (!piece.empty()) {
      for (const char ch : piece) {
        if (ch == ' ' && spec_.escape_whitespaces) {
          out += kSpaceSymbol;
        } else {
          out += ch;
        }
      }
      is_prev_space = piece.ends_with(' ');
    }
    input.remove_prefix(consumed);
    if (!collapse) is_prev_space = false;
  }
  if (collapse) {
    std::size_t kept = out.size();
    while (std::string_view(out).substr(0, kept).ends_with(space))
      kept -= space.size();
    out.erase(kept);
  }
  return out;
}

}  // namespace afbs
