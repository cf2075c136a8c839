#include "core/tokenizer/sentencepiece_model_proto.h"

#include <string>

#include "core/tokenizer/protobuf_reader.h"

namespace afbs {
namespace {

using Field = ProtobufField;
using Wire = ProtobufField::WireType;
using Proto = SentencePieceModelProto;

// Field numbers of sentencepiece_model.proto.
enum PieceField { kPieceText = 1, kPieceScore = 2, kPieceType = 3 };
enum ModelField { kPieces = 1, kTrainerSpec = 2, kNormalizerSpec = 3 };
enum TrainerField {
  kModelType = 3,
  kTreatWhitespaceAsSuffix = 24,
  kByteFallback = 35,
  kUnkId = 40,
  kBosId = 41,
  kEosId = 42,
  kUnkSurface = 44,
};
enum NormalizerField {
  kName = 1,
  kPrecompiledCharsmap = 2,
  kAddDummyPrefix = 3,
  kRemoveExtraWhitespaces = 4,
  kEscapeWhitespaces = 5,
};

Error wrong_type(const char* what) {
  return Error{std::string(what) + " has the wrong wire type"};
}

// Calls on_field(field) for every field of `message`; stops at the first Error.
template <class OnField>
Status for_each_field(std::string_view message, const char* what, OnField on_field) {
  ProtobufReader reader(message);
  Field field;
  while (true) {
    const Result<bool> more = reader.next(field);
    if (!more.ok()) return Error{std::string(what) + ": " + more.error().message};
    if (!*more) return {};
    if (Status s = on_field(field); !s.ok()) return s;
  }
}

Result<Proto::Piece> parse_piece(std::string_view message) {
  Proto::Piece piece;
  const Status status = for_each_field(message, "piece", [&](const Field& f) -> Status {
    if (f.number == kPieceText) {
      if (f.wire_type != Wire::LengthDelimited) return wrong_type("piece text");
      piece.text = std::string(f.bytes);
    } else if (f.number == kPieceScore) {
      if (f.wire_type != Wire::Fixed32) return wrong_type("piece score");
      piece.score = f.as_float();
    } else if (f.number == kPieceType) {
      if (f.wire_type != Wire::Varint) return wrong_type("piece type");
      if (f.integer < 1 || f.integer > 6) {
        return Error{"piece type " + std::to_string(f.integer) + " is unknown"};
      }
      piece.type = static_cast<Proto::PieceType>(f.integer);
    }
    return {};
  });
  if (!status.ok()) return status.error();
  return piece;
}

Result<int> as_int32(const Field& f, const char* what) {
  if (f.wire_type != Wire::Varint) return wrong_type(what);
  return static_cast<int>(static_cast<int32_t>(static_cast<uint32_t>(f.integer)));
}

Status parse_trainer_spec(std::string_view message, Proto& proto) {
  return for_each_field(message, "trainer_spec", [&](const Field& f) -> Status {
    switch (f.number) {
      case kModelType:
        if (f.wire_type != Wire::Varint) return wrong_type("model_type");
        if (f.integer < 1 || f.integer > 4) {
          return Error{"model_type " + std::to_string(f.integer) + " is unknown"};
        }
        proto.model_type = static_cast<Proto::ModelType>(f.integer);
        return {};
      case kTreatWhitespaceAsSuffix:
        if (f.wire_type != Wire::Varint) return wrong_type("treat_whitespace_as_suffix");
        proto.treat_whitespace_as_suffix = f.integer != 0;
        return {};
      case kByteFallback:
        if (f.wire_type != Wire::Varint) return wrong_type("byte_fallback");
        proto.byte_fallback = f.integer != 0;
        return {};
      case kUnkSurface:
        if (f.wire_type != Wire::LengthDelimited) return wrong_type("unk_surface");
        proto.unk_surface = std::string(f.bytes);
        return {};
      case kUnkId:
      case kBosId:
      case kEosId: {
        const Result<int> id = as_int32(f, "special piece id");
        if (!id.ok()) return id.error();
        (f.number == kUnkId   ? proto.unk_id
         : f.number == kBosId ? proto.bos_id
                              : proto.eos_id) = *id;
        return {};
      }
      default:
        return {};
    }
  });
}

Status parse_normalizer_spec(std::string_view message, Proto::NormalizerSpec& spec) {
  return for_each_field(message, "normalizer_spec", [&](const Field& f) -> Status {
    const bool is_bytes = f.wire_type == Wire::LengthDelimited;
    const bool is_varint = f.wire_type == Wire::Varint;
    switch (f.number) {
      case kName:
        if (!is_bytes) return wrong_type("normalizer name");
        spec.name = std::string(f.bytes);
        return {};
      case kPrecompiledCharsmap:
        if (!is_bytes) return wrong_type("precompiled_charsmap");
        spec.precompiled_charsmap = std::string(f.bytes);
        return {};
      case kAddDummyPrefix:
      case kRemoveExtraWhitespaces:
      case kEscapeWhitespaces:
        if (!is_varint) return wrong_type("normalizer flag");
        (f.number == kAddDummyPrefix           ? spec.add_dummy_prefix
         : f.number == kRemoveExtraWhitespaces ? spec.remove_extra_whitespaces
                                               : spec.escape_whitespaces) = f.integer != 0;
        return {};
      default:
        return {};
    }
  });
}

}  // namespace

Result<SentencePieceModelProto> parse_sentencepiece_model(std::string_view bytes) {
  Proto proto;
  const Status status = for_each_field(bytes, "model", [&](const Field& f) -> Status {
    if (f.number == kPieces) {
      if (f.wire_type != Wire::LengthDelimited) return wrong_type("pieces");
      Result<Proto::Piece> piece = parse_piece(f.bytes);
      if (!piece.ok()) {
        return Error{"piece " + std::to_string(proto.pieces.size()) + ": " + piece.error().message};
      }
      proto.pieces.push_back(std::move(*piece));
    } else if (f.number == kTrainerSpec) {
      if (f.wire_type != Wire::LengthDelimited) return wrong_type("trainer_spec");
      return parse_trainer_spec(f.bytes, proto);
    } else if (f.number == kNormalizerSpec) {
      if (f.wire_type != Wire::LengthDelimited) return wrong_type("normalizer_spec");
      return parse_normalizer_spec(f.bytes, proto.normalizer);
    }
    return {};
  });
  if (!status.ok()) return status.error();
  if (proto.pieces.empty()) return Error{"the model has no pieces"};
  return proto;
}

}  // namespace afbs
