#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/common/atomic_file.h"
#include "core/common/bounded_json.h"
#include "core/tokenizer/byte_level_bpe_tokenizer.h"
#include "core/tokenizer/metaspace_bpe_tokenizer.h"
#include "core/tokenizer/sentencepiece_model_proto.h"
#include "core/tokenizer/sentencepiece_tokenizer.h"
#include "core/tokenizer/tokenizer.h"

namespace afbs {
namespace {

namespace fs = std::filesystem;

// tokenizer.json of the largest vocabularies is about 30 MB.
constexpr uint64_t kMaxTokenizerBytes = 256u << 20;

Result<std::string> read_file(const fs::path& path) {
  return read_file_bytes(path, kMaxTokenizerBytes);
}

// bos_token / eos_token of tokenizer_config.json: a string or {"content": ...}; absent when
// the file or the key is missing or malformed (they only refine tokenizer.json's guess).
std::optional<std::string> special_token_name(const nlohmann::json& config, const char* key) {
  if (!config.is_object() || !config.contains(key)) return std::nullopt;
  const nlohmann::json& value = config[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  return std::nullopt;
}

Result<std::unique_ptr<Tokenizer>> load_sentencepiece(const fs::path& path) {
  Result<std::string> bytes = read_file(path);
  if (!bytes.ok()) return bytes.error();
  Result<SentencePieceModelProto> proto = parse_sentencepiece_model(*bytes);
  if (!proto.ok()) return with_context(path.string(), proto.error());
  Result<std::unique_ptr<SentencePieceTokenizer>> tok =
      SentencePieceTokenizer::create(std::move(*proto));
  if (!tok.ok()) return with_context(path.string(), tok.error());
  return std::unique_ptr<Tokenizer>(std::move(*tok));
}

bool has_byte_level_step(const nlohmann::json& part, const char* list_key) {
  if (!part.is_object()) return false;
  if (part.value("type", "") == "ByteLevel") return true;
  const auto list = part.find(list_key);
  if (part.value("type", "") != "Sequence" || list == part.end() || !list->is_array()) return false;
  for (const nlohmann::json& step : *list) {
    if (step.is_object() && step.value("type", "") == "ByteLevel") return true;
  }
  return false;
}

// Byte-level BPE (GPT-2, Llama-3, Qwen) declares a ByteLevel pre-tokenizer or decoder; the
// rest (Llama-2, Mistral, Phi-3, Gemma: spaces as "▁", byte fallback) is metaspace BPE.
bool declares_byte_level(const nlohmann::json& config) {
  if (!config.is_object()) return true;  // the byte-level loader reports what is wrong
  const auto pre = config.find("pre_tokenizer");
  const auto decoder = config.find("decoder");
  return (pre != config.end() && has_byte_level_step(*pre, "pretokenizers")) ||
         (decoder != config.end() && has_byte_level_step(*decoder, "decoders")) ||
         (pre == config.end() && decoder == config.end());
}

Result<std::unique_ptr<Tokenizer>> load_hugging_face(const fs::path& path) {
  Result<std::string> text = read_file(path);
  if (!text.ok()) return text.error();
  const auto parsed = parse_json(*text, path.string());
  if (!parsed) return parsed.error();
  const nlohmann::json& config = *parsed;
  nlohmann::json extra;
  if (const fs::path extra_path = path.parent_path() / "tokenizer_config.json";
      fs::exists(extra_path)) {
    if (Result<std::string> extra_text = read_file(extra_path); extra_text.ok()) {
      if (auto parsed_extra = parse_json(*extra_text, extra_path.string())) extra = *parsed_extra;
    }
  }
  const std::optional<std::string> bos = special_token_name(extra, "bos_token");
  const std::optional<std::string> eos = special_token_name(extra, "eos_token");
  if (!declares_byte_level(config)) {
    Result<std::unique_ptr<MetaspaceBpeTokenizer>> tok =
        MetaspaceBpeTokenizer::from_json(config, bos, eos);
    if (!tok.ok()) return with_context(path.string(), tok.error());
    return std::unique_ptr<Tokenizer>(std::move(*tok));
  }
  Result<std::unique_ptr<ByteLevelBpeTokenizer>> tok =
      ByteLevelBpeTokenizer::from_json(config, bos, eos);
  if (!tok.ok()) return with_context(path.string(), tok.error());
  return std::unique_ptr<Tokenizer>(std::move(*tok));
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> load_tokenizer(const fs::path& model_dir) {
  try {
    const fs::path model = model_dir / "tokenizer.model";
    const fs::path json = model_dir / "tokenizer.json";
    if (fs::is_regular_file(model)) return load_sentencepiece(model);
    if (fs::is_regular_file(json)) return load_hugging_face(json);
    return Error{model_dir.string() + ": neither tokenizer.model nor tokenizer.json is there"};
  } catch (const std::exception& e) {  // filesystem errors, allocation failure
    return Error{model_dir.string() + ": loading the tokenizer failed: " + e.what()};
  }
}

}  // namespace afbs
