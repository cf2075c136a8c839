#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/common/result.h"
#include "core/tokenizer/sentencepiece_model_proto.h"
#include "core/tokenizer/sentencepiece_normalizer.h"
#include "core/tokenizer/tokenizer.h"

namespace afbs {

// A SentencePiece tokenizer.model (BPE or unigram) encoded and decoded as SentencePiece
// 0.1.9x does (bpe_model.cc, unigram_model.cc's optimised Viterbi, byte fallback).
class SentencePieceTokenizer final : public Tokenizer {
 public:
  // Checks the model as SentencePiece does when loading it (one unknown piece, no duplicate
  // pieces, 256 byte pieces when byte_fallback is on); the error says what is wrong.
  static Result<std::unique_ptr<SentencePieceTokenizer>> create(SentencePieceModelProto proto);

  std::vector<int32_t> encode(std::string_view text) const override;
  std::string decode(const std::vector<int32_t>& ids) const override;
  int vocab_size() const override { return static_cast<int>(proto_.pieces.size()); }
  int bos_id() const override { return bos_id_; }
  int eos_id() const override { return eos_id_; }
  std::string kind() const override;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using PieceMap = std::unordered_map<std::string, int, StringHash, std::equal_to<>>;
  using PieceType = SentencePieceModelProto::PieceType;
  // A piece of the normalised text and its id (the unknown id when not in the vocabulary).
  using Segment = std::pair<std::string_view, int>;

  SentencePieceTokenizer() = default;
  std::vector<Segment> encode_bpe(std::string_view normalized) const;
  std::vector<Segment> encode_unigram(std::string_view normalized) const;
  int piece_to_id(std::string_view piece) const;
  PieceType type_of(int id) const { return proto_.pieces[static_cast<std::size_t>(id)].type; }

  SentencePieceModelProto proto_;
  SentencePieceNormalizer normalizer_;
  PieceMap pieces_;    // normal, user-defined and unused pieces: what encoding may produce
  PieceMap reserved_;  // control, unknown and byte pieces
  std::array<int, 256> byte_ids_{};
  std::size_t max_piece_bytes_ = 0;  // longest piece encoding may produce
  float min_score_ = 0.0f;           // over normal pieces, for the unigram unknown penalty
  float max_score_ = 0.0f;           // over normal pieces, for the user-defined bonus
  int bos_id_ = -1;
  int eos_id_ = -1;
};

}  // namespace afbs
