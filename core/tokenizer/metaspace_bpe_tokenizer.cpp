#include "core/tokenizer/metaspace_bpe_tokenizer.h"

#include <nlohmann/json.hpp>

#include "core/tokenizer/bpe_parts.h"

namespace afbs {
namespace {

using json = nlohmann::json;

}  // namespace

Result<std::unique_ptr<MetaspaceBpeTokenizer>> MetaspaceBpeTokenizer::from_json(
    const json& config, std::optional<std::string> bos_name, std::optional<std::string> eos_name) {
  try {
    Result<BpeParts> parts = read_bpe_parts(config);
    if (!parts.ok()) return parts.error();
    Result<PreTokenizer> pre_tokenizer =
        PreTokenizer::from_json(json_field(config, "pre_tokenizer"));
    if (!pre_tokenizer.ok()) return with_context("pre_tokenizer", pre_tokenizer.error());
    Result<TokenDecoder> decoder = TokenDecoder::from_json(json_field(config, "decoder"));
    if (!decoder.ok()) return with_context("decoder", decoder.error());

    std::unique_ptr<MetaspaceBpeTokenizer> tok(new MetaspaceBpeTokenizer(
        std::move(parts->model), std::move(parts->added), std::move(parts->normalizer),
        std::move(*pre_tokenizer), std::move(*decoder)));
    tok->id_to_token_ = tok->model_.tokens();
    for (const AddedVocabulary::Token& token : tok->added_.tokens()) {
      const auto id = static_cast<std::size_t>(token.id);
      if (tok->id_to_token_.size() <= id) tok->id_to_token_.resize(id + 1);
      // Decoded in its normalised form, as tokenizers 0.23 does ("▁<|im_end|>" decodes to
      // " <|im_end|>" under Prepend("▁")).
      tok->id_to_token_[id] = token.match;
    }

    // BOS/EOS: the names tokenizer_config.json gives, else the usual ones.
    const auto find = [&](const std::vector<std::string>& names) {
      return first_token_id(tok->added_, tok->model_, names);
    };
    tok->bos_id_ = bos_name ? find({*bos_name}) : find({"<s>", "<bos>"});
    tok->eos_id_ = eos_name ? find({*eos_name}) : find({"</s>", "<eos>", "<|endoftext|>"});
    return tok;
  } catch (const std::exception& e) {  // a field of an unexpected JSON type
    return Error{e.what()};
  }
}

std::vector<int32_t> MetaspaceBpeTokenizer::encode(std::string_view text) const {
  const auto encode_part = [this](std::string_view part, bool at_text_start,
                                  std::vector<int32_t>& ids) {
    for (const std::string& piece : pre_tokenizer_.split(part, at_text_start))
      model_.encode(piece, ids);
  };
  return encode_around_added_tokens(added_, normalizer_, text, encode_part);
}

std::string MetaspaceBpeTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const int32_t id : ids) {
    if (id >= 0 && id < vocab_size()) tokens.push_back(id_to_token_[static_cast<std::size_t>(id)]);
  }
  return decoder_.decode(std::move(tokens));
}

}  // namespace afbs
