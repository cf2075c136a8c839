#include "core/tokenizer/bpe_model.h"

#include <cstdio>
#include <optional>
#include <queue>

#include <nlohmann/json.hpp>

#include "core/tokenizer/utf8.h"

namespace afbs {
namespace {

using json = nlohmann::json;

uint64_t pair_key(int left, int right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
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

// tokenizers' byte token name: format!("<{b:#04X}>"), e.g. <0x0A>.
std::string byte_token(int byte) {
  char name[8];
  std::snprintf(name, sizeof name, "<0x%02X>", byte);
  return name;
}

}  // namespace

Result<BpeModel> BpeModel::from_json(const json& model, int64_t max_ids) {
  try {
    if (!model.is_object()) return Error{"not an object"};
    if (model.value("type", "BPE") != "BPE")
      return Error{"type '" + model.value("type", "") + "' is not BPE"};
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
      const Result<std::optional<std::string>> value = optional_string(model, key);
      if (!value.ok()) return value.error();
      if (*value && !(*value)->empty()) return Error{std::string("'") + key + "' is not supported"};
    }
    if (model.contains("dropout") && model["dropout"].is_number() &&
        model["dropout"].get<double>() > 0.0) {
      return Error{"'dropout' is not supported"};
    }
    BpeModel out;
    out.byte_fallback_ = flag(model, "byte_fallback", false);
    out.fuse_unk_ = flag(model, "fuse_unk", false);
    out.ignore_merges_ = flag(model, "ignore_merges", false);
    if (Status s = out.load_vocab(model.contains("vocab") ? model["vocab"] : json(), max_ids);
        !s.ok()) {
      return s.error();
    }
    if (Status s = out.load_merges(model.contains("merges") ? model["merges"] : json()); !s.ok())
      return s.error();
    const Result<std::optional<std::string>> unk = optional_string(model, "unk_token");
    if (!unk.ok()) return unk.error();
    if (*unk) out.unk_id_ = out.token_id(**unk);
    if (out.byte_fallback_) {
      out.byte_ids_.resize(256);
      for (int byte = 0; byte < 256; ++byte)
        out.byte_ids_[static_cast<std::size_t>(byte)] = out.token_id(byte_token(byte));
    }
    return out;
  } catch (const std::exception& e) {  // a field of an unexpected JSON type
    return Error{e.what()};
  }
}

Status BpeModel::load_vocab(const json& vocab, int64_t max_ids) {
  if (!vocab.is_object()) return Error{"'vocab' is missing or not an object"};
  for (const auto& [token, id_json] : vocab.items()) {
    if (!id_json.is_number_integer()) return Error{"vocab entry '" + token + "' has no integer id"};
    const int64_t id = id_json.get<int64_t>();
    if (id < 0 || id >= max_ids) return Error{"vocab entry '" + token + "' has id out of range"};
    vocab_.emplace(token, static_cast<int>(id));
    if (id_to_token_.size() <= static_cast<std::size_t>(id))
      id_to_token_.resize(static_cast<std::size_t>(id) + 1);
    id_to_token_[static_cast<std::size_t>(id)] = token;
  }
  return {};
}

Status BpeModel::load_merges(const json& merges) {
  if (!merges.is_array()) return Error{"'merges' is missing or not an array"};
  int rank = 0;
  for (const json& merge : merges) {
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
  return {};
}

int BpeModel::token_id(std::string_view token) const {
  const auto it = vocab_.find(token);
  return it == vocab_.end() ? -1 : it->second;
}

// tokenizers' BPE::merge_word.
void BpeModel::encode(std::string_view piece, std::vector<int32_t>& ids) const {
  if (piece.empty()) return;
  if (ignore_merges_) {
    if (const int id = token_id(piece); id >= 0) {
      ids.push_back(id);
      return;
    }
  }
  std::vector<int32_t> symbols;
  bool unk_pending = false;  // an unknown token not yet added (fuse_unk extends it)
  for (std::size_t pos = 0; pos < piece.size();) {
    const auto length = static_cast<std::size_t>(utf8::decode_char(piece, pos).length);
    const std::string_view character = piece.substr(pos, length);
    pos += length;
    if (const int id = token_id(character); id >= 0) {
      if (unk_pending) symbols.push_back(unk_id_);
      unk_pending = false;
      symbols.push_back(id);
      continue;
    }
    if (byte_fallback_) {
      bool all_bytes = true;
      for (const char byte : character)
        all_bytes = all_bytes && byte_ids_[static_cast<unsigned char>(byte)] >= 0;
      if (all_bytes) {
        // As in tokenizers, a pending unknown token stays pending across the byte tokens.
        for (const char byte : character)
          symbols.push_back(byte_ids_[static_cast<unsigned char>(byte)]);
        continue;
      }
    }
    if (unk_id_ < 0) continue;  // no unknown token: the character is dropped, as in tokenizers
    if (unk_pending && !fuse_unk_) symbols.push_back(unk_id_);
    unk_pending = true;
  }
  if (unk_pending) symbols.push_back(unk_id_);
  merge(symbols);
  ids.insert(ids.end(), symbols.begin(), symbols.end());
}

// tokenizers' Word::merge_all: symbols form a linked list; a queue holds candidate merges
// ordered by (rank, position), stale ones skipped when popped.
void BpeModel::merge(std::vector<int32_t>& ids) const {
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
  symbols.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const int index = static_cast<int>(i);
    symbols.push_back(
        {ids[i], index - 1, index + 1 < static_cast<int>(ids.size()) ? index + 1 : -1, true});
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
  ids.clear();
  for (const Symbol& symbol : symbols) {
    if (symbol.alive) ids.push_back(symbol.id);
  }
}

}  // namespace afbs
