#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"
#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/normalizer.h"
#include "core/tokenizer/pre_tokenizer.h"
#include "core/tokenizer/token_decoder.h"
#include "core/tokenizer/tokenizer.h"

namespace afbs {

// A Hugging Face tokenizer.json BPE over characters with spaces written "▁", as converted from
// SentencePiece (Llama-2, Mistral, Phi-3, Gemma): added tokens cut out first, then the
// normalizer (Prepend("▁") and Replace(" ", "▁"), Gemma's Replace alone, or none), the
// pre-tokenizer (none, or Metaspace with its prepend scheme), and BPE over the whole piece
// with characters missing from the vocabulary as <0xNN> byte tokens (byte_fallback) or one
// fused unknown token. Decoding runs the file's decoder (Replace, ByteFallback, Fuse, Strip).
class MetaspaceBpeTokenizer final : public Tokenizer {
 public:
  // `config` is tokenizer.json; `bos_name` and `eos_name` the optional token names from
  // tokenizer_config.json. The error names the part of the file that is missing or unsupported.
  static Result<std::unique_ptr<MetaspaceBpeTokenizer>> from_json(
      const nlohmann::json& config, std::optional<std::string> bos_name,
      std::optional<std::string> eos_name);

  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int vocab_size() const override { return static_cast<int>(id_to_token_.size()); }
  int bos_id() const override { return bos_id_; }
  int eos_id() const override { return eos_id_; }
  std::string kind() const override { return "metaspace-bpe"; }

 private:
  MetaspaceBpeTokenizer(BpeModel model, AddedVocabulary added, Normalizer normalizer,
                        PreTokenizer pre_tokenizer, TokenDecoder decoder)
      : model_(std::move(model)),
        added_(std::move(added)),
        normalizer_(std::move(normalizer)),
        pre_tokenizer_(std::move(pre_tokenizer)),
        decoder_(std::move(decoder)) {}

  BpeModel model_;
  AddedVocabulary added_;
  Normalizer normalizer_;
  PreTokenizer pre_tokenizer_;
  TokenDecoder decoder_;
  std::vector<std::string> id_to_token_;  // the model's tokens, then the added ones
  int bos_id_ = -1;
  int eos_id_ = -1;
};

}  // namespace afbs
