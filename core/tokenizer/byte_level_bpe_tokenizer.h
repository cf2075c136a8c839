#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"
#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/unicode_normalization.h"

namespace afbs {

// A Hugging Face tokenizer.json byte-level BPE (GPT-2, Llama-3, Qwen2/3): added tokens cut out
// first, the Unicode normalizer the file names (libutf8proc), its pre-tokenizer (any regex,
// by libpcre2), bytes mapped to GPT-2's printable characters, then merges applied lowest rank
// first, as `tokenizers` does.
class ByteLevelBpeTokenizer final : public Tokenizer {
 public:
  // `config` is tokenizer.json; `bos_name` and `eos_name` the optional token names from
  // tokenizer_config.json. The error names the part of the file that is missing or unsupported.
  static Result<std::unique_ptr<ByteLevelBpeTokenizer>> from_json(
      const nlohmann::json& config, std::optional<std::string> bos_name,
      std::optional<std::string> eos_name);

  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int vocab_size() const override { return static_cast<int>(id_to_token_.size()); }
  int bos_id() const override { return bos_id_; }
  int eos_id() const override { return eos_id_; }
  std::string kind() const override { return "byte-level-bpe"; }

 private:
  struct AddedToken {
    std::string content;
    int id = -1;
    bool lstrip = false;
    bool rstrip = false;
    bool single_word = false;
  };
  struct Merge {
    int rank;
    int merged_id;
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  ByteLevelBpeTokenizer() = default;
  Status load_model(const nlohmann::json& model);
  Status load_normalizer(const nlohmann::json& normalizer);
  void encode_segment(std::string_view segment, std::vector<int32_t>& ids) const;
  void encode_word(std::string_view word, std::vector<int32_t>& ids) const;
  int token_id(std::string_view token) const;  // -1 when not in the vocabulary

  std::unordered_map<std::string, int, StringHash, std::equal_to<>> vocab_;
  std::unordered_map<uint64_t, Merge> merges_;  // key: left id << 32 | right id
  std::vector<std::string> id_to_token_;
  std::vector<bool> is_added_;
  std::vector<AddedToken> added_tokens_;
  std::array<std::vector<std::size_t>, 256> added_by_first_byte_;  // indices into added_tokens_
  std::optional<PreTokenizer> pre_tokenizer_;
  std::vector<UnicodeForm> normal_forms_;  // applied in order
  bool ignore_merges_ = false;
  int64_t max_ids_ = 0;  // ids at or past this are rejected
  int unk_id_ = -1;
  int bos_id_ = -1;
  int eos_id_ = -1;
  std::array<std::string, 256> byte_to_char_;  // GPT-2's bytes_to_unicode, as UTF-8
  std::unordered_map<char32_t, unsigned char> char_to_byte_;
};

}  // namespace afbs
