#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/common/result.h"

namespace afbs {

// tokenizer.json's "model" of type BPE, as `tokenizers` applies it to one pre-tokenized piece:
// the piece's characters looked up in the vocabulary (an unknown one becomes its <0xNN> byte
// tokens under byte_fallback, else the unknown token, fused into one under fuse_unk, else is
// dropped), then the lowest-rank adjacent merge, leftmost on ties, until none applies.
class BpeModel {
 public:
  // `model` is the "model" object; ids at or past `max_ids` are refused as a hostile file.
  // The error names the field that is missing or unsupported.
  static Result<BpeModel> from_json(const nlohmann::json& model, int64_t max_ids);

  // Appends the ids of `piece` (nothing for an empty piece).
  void encode(std::string_view piece, std::vector<int32_t>& ids) const;
  int token_id(std::string_view token) const;  // -1 when not in the vocabulary
  // Token text by id; ids the vocabulary skips hold "".
  const std::vector<std::string>& tokens() const { return id_to_token_; }
  bool byte_fallback() const { return byte_fallback_; }

 private:
  struct Merge {
    int rank;
    int merged_id;
  };
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  BpeModel() = default;
  Status load_vocab(const nlohmann::json& vocab, int64_t max_ids);
  Status load_merges(const nlohmann::json& merges);
  void merge(std::vector<int32_t>& symbols) const;

  std::unordered_map<std::string, int, StringHash, std::equal_to<>> vocab_;
  std::unordered_map<uint64_t, Merge> merges_;  // key: left id << 32 | right id
  std::vector<std::string> id_to_token_;
  std::vector<int> byte_ids_;  // <0x00>..<0xFF>, -1 where absent; filled under byte_fallback
  int unk_id_ = -1;
  bool byte_fallback_ = false;
  bool fuse_unk_ = false;
  bool ignore_merges_ = false;
};

}  // namespace afbs
