#include "core/tokenizer/byte_level_bpe_tokenizer.h"

#include <algorithm>
#include <queue>

#include <nlohmann/json.hpp>

#include "core/tokenizer/unicode_normalization.h"
#include "core/tokenizer/utf8.h"

namespace afbs {
namespace {

using json = nlohmann::json;
// Real vocabularies are dense: ids past (entries + this slack) are taken as a hostile file
// rather than allocated for.
constexpr int64_t kIdSlack = 1024;

uint64_t pair_key(int left, int right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

bool is_word_char(char32_t c) {
  return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         c >= 0x80;
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// A string field that may be absent or null; an Error when present with another type.
Result<std::optional<std::string>> optional_string(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return Error{std::string("'") + key + "' is not a string"};
  return std::optional<std::string>(it->get<std::string>());
}

bool flag(const json& object, const char* key, bool fallback) {
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

}  // namespace

Result<std::unique_ptr<ByteLevelBpeTokenizer>> ByteLevelBpeTokenizer::from_json(
    const json& config, std::optional<std::string> bos_name, std::optional<std::string> eos_name) {
  try {
    if (!config.is_object()) return Error{"the top level is not a JSON object"};
    std::unique_ptr<ByteLevelBpeTokenizer> tok(new ByteLevelBpeTokenizer());
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
    const auto model = config.find("model");
    if (model == config.end() || !model->is_object()) return Error{"'model' is missing"};
    const auto vocab = model->find("vocab");
    const auto added = config.find("added_tokens");
    tok->max_ids_ = kIdSlack + (vocab != model->end() ? static_cast<int64_t>(vocab->size()) : 0) +
                    (added != config.end() ? static_cast<int64_t>(added->size()) : 0);
    if (Status s = tok->load_model(*model); !s.ok()) return with_context("model", s.error());

    if (added != config.end() && !added->is_null()) {
      if (!added->is_array()) return Error{"'added_tokens' is not an array"};
      for (const json& entry : *added) {
        if (!entry.is_object() || !entry.contains("id") || !entry.contains("content") ||
            !entry["id"].is_number_integer() || !entry["content"].is_string()) {
          return Error{"an added token lacks an integer 'id' or a string 'content'"};
        }
        AddedToken token{entry["content"].get<std::string>(), 0, flag(entry, "lstrip", false),
                         flag(entry, "rstrip", false), flag(entry, "single_word", false)};
        const int64_t id = entry["id"].get<int64_t>();
        if (id < 0 || id >= tok->max_ids_)
          return Error{"added token '" + token.content + "' has id out of range"};
        if (token.content.empty()) return Error{"an added token is empty"};
        token.id = static_cast<int>(id);
        if (tok->id_to_token_.size() <= static_cast<std::size_t>(id)) {
          tok->id_to_token_.resize(static_cast<std::size_t>(id) + 1);
          tok->is_added_.resize(static_cast<std::size_t>(id) + 1);
        }
        tok->id_to_token_[static_cast<std::size_t>(id)] = token.content;
        tok->is_added_[static_cast<std::size_t>(id)] = true;
        const auto first_byte = static_cast<unsigned char>(token.content.front());
        tok->added_by_first_byte_[first_byte].push_back(tok->added_tokens_.size());
        tok->added_tokens_.push_back(std::move(token));
      }
    }

    const json& normalizer = config.contains("normalizer") ? config["normalizer"] : json();
    if (Status s = tok->load_normalizer(normalizer); !s.ok())
      return with_context("normalizer", s.error());
    const auto pre = config.find("pre_tokenizer");
    if (pre == config.end() || pre->is_null()) return Error{"'pre_tokenizer' is missing"};
    Result<PreTokenizer> pre_tokenizer = PreTokenizer::from_json(*pre);
    if (!pre_tokenizer.ok()) return with_context("pre_tokenizer", pre_tokenizer.error());
    tok->pre_tokenizer_ = std::move(*pre_tokenizer);

    // BOS/EOS: the names tokenizer_config.json gives, else the usual ones.
    const auto find_added = [&](const std::vector<std::string>& names) {
      for (const std::string& name : names) {
        for (const AddedToken& token : tok->added_tokens_) {
          if (token.content == name) return token.id;
        }
        if (const int id = tok->token_id(name); id >= 0) return id;
      }
      return -1;
    };
    tok->bos_id_ = bos_name ? find_added({*bos_name}) : find_added({"<|begin_of_text|>", "<s>"});
    tok->eos_id_ = eos_name ? find_added({*eos_name})
                            : find_added({"<|end_of_text|>", "</s>", "<|endoftext|>"});
    return tok;
  } catch (const std::exception& e) {  // a field of an unexpected JSON type
    return Error{e.what()};
  }
}

Status ByteLevelBpeTokenizer::load_model(const json& model) {
  if (model.value("type", "BPE") != "BPE")
    return Error{"type '" + model.value("type", "") + "' is not BPE"};
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const Result<std::optional<std::string>> value = optional_string(model, key);
    if (!value.ok()) return value.error();
    if (*value && !(*value)->empty()) return Error{std::string("'") + key + "' is not supported"};
  }
  if (flag(model, "byte_fallback", false)) return Error{"'byte_fallback' is not supported"};
  if (model.contains("dropout") && model["dropout"].is_number() &&
      model["dropout"].get<double>() > 0.0) {
    return Error{"'dropout' is not supported"};
  }
  ignore_merges_ = flag(model, "ignore_merges", false);

  const auto vocab = model.find("vocab");
  if (vocab == model.end() || !vocab->is_object())
    return Error{"'vocab' is missing or not an object"};
  for (const auto& [token, id_json] : vocab->items()) {
    if (!id_json.is_number_integer()) return Error{"vocab entry '" + token + "' has no integer id"};
    const int64_t id = id_json.get<int64_t>();
    if (id < 0 || id >= max_ids_) return Error{"vocab entry '" + token + "' has id out of range"};
    vocab_.emplace(token, static_cast<int>(id));
    if (id_to_token_.size() <= static_cast<std::size_t>(id)) {
      id_to_token_.resize(static_cast<std::size_t>(id) + 1);
      is_added_.resize(static_cast<std::size_t>(id) + 1);
    }
    id_to_token_[static_cast<std::size_t>(id)] = token;
  }

  const auto merges = model.find("merges");
  if (merges == model.end() || !merges->is_array())
    return Error{"'merges' is missing or not an array"};
  int rank = 0;
  for (const json& merge : *merges) {
    // Either "left right" (tokenizers before 0.20) or ["left", "right"].
    std::string left, right;
    if (merge.is_string()) {
      const std::string text = merge.get<std::string>();
      const std::size_t space = text.find(' ');
      if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
        return Error{"merge " + std::to_string(rank) + " ('" + text + "') is not two tokens"};
      }
      left = text.substr(0, space);
      right = text.substr(space + 1);
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      left = merge[0].get<std::string>();
      right = merge[1].get<std::string>();
    } else {
      return Error{"merge " + std::to_string(rank) + " is neither \"a b\" nor [\"a\", \"b\"]"};
    }
    const int left_id = token_id(left);
    const int right_id = token_id(right);
    const int merged_id = token_id(left + right);
    if (left_id < 0 || right_id < 0 || merged_id < 0) {
      return Error{"merge " + std::to_string(rank) + " ('" + left + "' + '" + right +
                   "') uses a token missing from the vocab"};
    }
    merges_.emplace(pair_key(left_id, right_id), Merge{rank, merged_id});
    ++rank;
  }

  const Result<std::optional<std::string>> unk = optional_string(model, "unk_token");
  if (!unk.ok()) return unk.error();
  if (*unk) unk_id_ = token_id(**unk);
  return {};
}

// NFC, NFKC, NFD, NFKD, or a Sequence of them (applied in order); null: none.
Status ByteLevelBpeTokenizer::load_normalizer(const json& normalizer) {
  if (normalizer.is_null()) return {};
  if (!normalizer.is_object()) return Error{"not an object"};
  std::vector<json> steps;
  if (normalizer.value("type", "") == "Sequence") {
    const auto list = normalizer.find("normalizers");
    if (list == normalizer.end() || !list->is_array()) return Error{"Sequence lacks 'normalizers'"};
    steps.assign(list->begin(), list->end());
  } else {
    steps.push_back(normalizer);
  }
  for (const json& step : steps) {
    const std::string type = step.is_object() ? step.value("type", "") : "";
    const std::optional<UnicodeForm> form = unicode_form_named(type);
    if (!form) {
      return Error{"unsupported normalizer " + step.dump() + " (NFC, NFKC, NFD, NFKD, Sequence)"};
    }
    normal_forms_.push_back(*form);
  }
  return {};
}

int ByteLevelBpeTokenizer::token_id(std::string_view token) const {
  const auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

// Added tokens are cut out first, leftmost-longest, as tokenizers' AddedVocabulary does.
std::vector<int32_t> ByteLevelBpeTokenizer::encode(std::string_view text) const {
  std::vector<int32_t> ids;
  std::size_t segment_start = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const AddedToken* best = nullptr;
    for (const std::size_t index : added_by_first_byte_[static_cast<unsigned char>(text[pos])]) {
      const AddedToken& token = added_tokens_[index];
      if ((best == nullptr || token.content.size() > best->content.size()) &&
          text.substr(pos).starts_with(token.content)) {
        const std::size_t end = pos + token.content.size();
        if (token.single_word &&
            ((pos > 0 && is_word_char(static_cast<unsigned char>(text[pos - 1]))) ||
             (end < text.size() && is_word_char(static_cast<unsigned char>(text[end]))))) {
          continue;
        }
        best = &token;
      }
    }
    if (best == nullptr) {
      ++pos;
      continue;
    }
    std::size_t segment_end = pos;
    if (best->lstrip) {
      while (segment_end > segment_start && is_ascii_space(text[segment_end - 1]))
        --segment_end;
    }
    encode_segment(text.substr(segment_start, segment_end - segment_start), ids);
    ids.push_back(best->id);
    pos += best->content.size();
    if (best->rstrip) {
      while (pos < text.size() && is_ascii_space(text[pos]))
        ++pos;
    }
    segment_start = pos;
  }
  encode_segment(text.substr(segment_start), ids);
  return ids;
}

void ByteLevelBpeTokenizer::encode_segment(std::string_view segment,
                                           std::vector<int32_t>& ids) const {
  if (segment.empty()) return;
  std::string normalized(segment);
  for (const UnicodeForm form : normal_forms_)
    normalized = normalize_unicode(normalized, form);
  for (const std::string& piece : pre_tokenizer_->split(normalized))
    encode_word(piece, ids);
}

// tokenizers' BPE::merge_word: characters to ids, then the lowest-rank adjacent merge
// (leftmost on ties) until none applies.
void ByteLevelBpeTokenizer::encode_word(std::string_view piece, std::vector<int32_t>& ids) const {
  std::string word;
  for (const char byte : piece)
    word += byte_to_char_[static_cast<unsigned char>(byte)];
  if (ignore_merges_) {
    if (const int id = token_id(word); id >= 0) {
      ids.push_back(id);
      return;
    }
  }
  // Symbols form a linked list over the characters; a queue holds candidate merges ordered by
  // (rank, position), stale ones skipped when popped, as tokenizers' Word::merge_all does.
  struct Symbol {
    int id;
    int prev;
    int next;
    bool alive;
  };
  struct Candidate {
    int rank;
    int pos;
    int merged_id;
  };
  const auto later = [](const Candidate& a, const Candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  std::vector<Symbol> symbols;
  for (const char byte : piece) {
    int id = token_id(byte_to_char_[static_cast<unsigned char>(byte)]);
    if (id < 0) id = unk_id_;
    if (id < 0) continue;  // no unknown token: the character is dropped, as in tokenizers
    const int index = static_cast<int>(symbols.size());
    symbols.push_back({id, index - 1, -1, true});
    if (index > 0) symbols[index - 1].next = index;
  }
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(later)> queue(later);
  const auto propose = [&](int left) {
    if (left < 0 || symbols[left].next < 0) return;
    const auto it = merges_.find(pair_key(symbols[left].id, symbols[symbols[left].next].id));
    if (it != merges_.end()) queue.push({it->second.rank, left, it->second.merged_id});
  };
  for (int i = 0; i + 1 < static_cast<int>(symbols.size()); ++i)
    propose(i);
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = symbols[left.next];
    const auto it = merges_.find(pair_key(left.id, right.id));
    if (it == merges_.end() || it->second.merged_id != top.merged_id) continue;  // stale
    left.id = top.merged_id;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) symbols[left.next].prev = top.pos;
    propose(left.prev);
    propose(top.pos);
  }
  for (const Symbol& symbol : symbols) {
    if (symbol.alive) ids.push_back(symbol.id);
  }
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
