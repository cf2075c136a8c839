#include "core/tokenizer/byte_level_bpe_tokenizer.h"

#include <nlohmann/json.hpp>

#include "core/tokenizer/bpe_parts.h"

#include "core/tokenizer/utf8.h"

namespace afbs {
namespace {

using json = nlohmann::json;

}  // namespace

Result<std::unique_ptr<ByteLevelBpeTokenizer>> ByteLevelBpeTokenizer::from_json(
    const json& config, std::optional<std::string> bos_name, std::optional<std::string> eos_name) {
  try {
    Result<BpeParts> parts = read_bpe_parts(config);
    if (!parts.ok()) return parts.error();
    const json& pre_json = json_field(config, "pre_tokenizer");
    if (pre_json.is_null()) return Error{"'pre_tokenizer' is missing"};
    Result<PreTokenizer> pre_tokenizer = PreTokenizer::from_json(pre_json);
    if (!pre_tokenizer.ok()) return with_context("pre_tokenizer", pre_tokenizer.error());
    if (!pre_tokenizer->has_byte_level())
      return Error{"pre_tokenizer: no ByteLevel step, so not a byte-level BPE"};

    std::unique_ptr<ByteLevelBpeTokenizer> tok(
        new ByteLevelBpeTokenizer(std::move(parts->model), std::move(parts->added),
                                  std::move(parts->normalizer), std::move(*pre_tokenizer)));
    // GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others for U+0100 on.
    int next_free = 256;
    for (int byte = 0; byte < 256; ++byte) {
      const bool printable =
          (byte >= '!' && byte <= '~') || (byte >= 0xA1 && byte <= 0xAC) || byte >= 0xAE;
      const char32_t cp =
          printable ? static_cast<char32_t>(byte) : static_cast<char32_t>(next_free++);
      utf8::append_code_point(tok->byte_to_char_[static_cast<std::size_t>(byte)], cp);
      tok->char_to_byte_[cp] = static_cast<unsigned char>(byte);
    }
    tok->id_to_token_ = tok->model_.tokens();
    tok->is_added_.assign(tok->id_to_token_.size(), false);
    for (const AddedVocabulary::Token& token : tok->added_.tokens()) {
      const auto id = static_cast<std::size_t>(token.id);
      if (tok->id_to_token_.size() <= id) {
        tok->id_to_token_.resize(id + 1);
        tok->is_added_.resize(id + 1);
      }
      tok->id_to_token_[id] = token.content;
      tok->is_added_[id] = true;
    }

    // BOS/EOS: the names tokenizer_config.json gives, else the usual ones.
    const auto find = [&](const std::vector<std::string>& names) {
      return first_token_id(tok->added_, tok->model_, names);
    };
    tok->bos_id_ = bos_name ? find({*bos_name}) : find({"<|begin_of_text|>", "<s>"});
    tok->eos_id_ =
        eos_name ? find({*eos_name}) : find({"<|end_of_text|>", "</s>", "<|endoftext|>"});
    return tok;
  } catch (const std::exception& e) {  // a field of an unexpected JSON type
    return Error{e.what()};
  }
}

std::vector<int32_t> ByteLevelBpeTokenizer::encode(std::string_view text) const {
  const auto encode_part = [this](std::string_view part, bool, std::vector<int32_t>& ids) {
    for (const std::string& piece : pre_tokenizer_.split(part)) {
      // Each byte as GPT-2's printable character, so BPE sees one character per byte.
      std::string mapped;
      for (const char byte : piece)
        mapped += byte_to_char_[static_cast<unsigned char>(byte)];
      model_.encode(mapped, ids);
    }
  };
  return encode_around_added_tokens(added_, normalizer_, text, encode_part);
}

// Tokens back to bytes (added tokens verbatim), then UTF-8 with malformed bytes as U+FFFD.
std::string ByteLevelBpeTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string bytes;
  for (const int32_t id : ids) {
    if (id < 0 || id >= vocab_size()) continue;
    const std::string& token = id_to_token_[static_cast<std::size_t>(id)];
    if (is_added_[static_cast<std::size_t>(id)]) {
      bytes += token;
      continue;
    }
    for (std::size_t pos = 0; pos < token.size();) {
      const utf8::DecodedChar c = utf8::decode_char(token, pos);
      const auto it = char_to_byte_.find(c.code_point);
      if (c.valid && it != char_to_byte_.end()) {
        bytes += static_cast<char>(it->second);
      } else {
        bytes.append(token, pos, static_cast<std::size_t>(c.length));
      }
      pos += static_cast<std::size_t>(c.length);
    }
  }
  return utf8::replace_invalid(bytes);
}

}  // namespace afbs
