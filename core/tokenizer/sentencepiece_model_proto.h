#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace afbs {

// The parts of SentencePiece's ModelProto (sentencepiece_model.proto) that encoding and
// decoding need, with the proto's defaults.
struct SentencePieceModelProto {
  enum class PieceType {
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6
  };
  enum class ModelType { Unigram = 1, Bpe = 2, Word = 3, Char = 4 };

  struct Piece {
    std::string text;
    float score = 0.0f;
    PieceType type = PieceType::Normal;
  };

  struct NormalizerSpec {
    std::string name;
    std::string precompiled_charsmap;
    bool add_dummy_prefix = true;
    bool remove_extra_whitespaces = true;
    bool escape_whitespaces = true;
  };

  std::vector<Piece> pieces;
  ModelType model_type = ModelType::Unigram;
  bool byte_fallback = false;
  bool treat_whitespace_as_suffix = false;
  int unk_id = 0;
  int bos_id = 1;
  int eos_id = 2;
  std::string unk_surface = " \xE2\x81\x87 ";
  NormalizerSpec normalizer;
};

// Parses a serialised ModelProto; the error says which part is malformed.
Result<SentencePieceModelProto> parse_sentencepiece_model(std::string_view bytes);

}  // namespace afbs
