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
#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/normalizer.h"
#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/tokenizer.h"

namespace afbs {

// A Hugging Face tokenizer.json byte-level BPE (GPT-2, Llama-3, Qwen2/3): added tokens cut out
// first, the normalizer the file names (NFC by libutf8proc for Qwen), its pre-tokenizer ending
// in ByteLevel (any regex, by libpcre2), bytes mapped to GPT-2's printable characters, then
// merges applied lowest rank first, as `tokenizers` does.
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
  ByteLevelBpeTokenizer(BpeModel model, AddedVocabulary added, Normalizer normalizer,
                        PreTokenizer pre_tokenizer)
      : model_(std::move(model)),
        added_(std::move(added)),
        normalizer_(std::move(normalizer)),
        pre_tokenizer_(std::move(pre_tokenizer)) {}

  BpeModel model_;
  AddedVocabulary added_;
  Normalizer normalizer_;
  PreTokenizer pre_tokenizer_;
  std::vector<std::string> id_to_token_;  // the model's tokens, then the added ones
  std::vector<bool> is_added_;
  int bos_id_ = -1;
  int eos_id_ = -1;
  std::array<std::string, 256> byte_to_char_;  // GPT-2's bytes_to_unicode, as UTF-8
  std::unordered_map<char32_t, unsigned char> char_to_byte_;
};

}  // namespace afbs
