#pragma once

#include <cstdint>
#include <string_view>

#include "core/common/result.h"

namespace afbs {

// One field of a protobuf message in wire format.
struct ProtobufField {
  enum class WireType { Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5 };
  uint32_t number = 0;
  WireType wire_type = WireType::Varint;
  uint64_t integer = 0;    // Varint, Fixed64 and Fixed32 payloads
  std::string_view bytes;  // LengthDelimited payload, a view into the message

  float as_float() const;  // a Fixed32 field holding a float
};

// Minimal reader of the protobuf wire format: enough for SentencePiece's ModelProto, with
// every length checked against the bytes left (hostile files fail, never overread).
class ProtobufReader {
 public:
  explicit ProtobufReader(std::string_view message) : rest_(message) {}

  // Reads the next field; returns false at the end of the message, an Error on malformed
  // wire data (truncated varint or payload, groups, unknown wire type).
  Result<bool> next(ProtobufField& field);

 private:
  Result<uint64_t> read_varint();

  std::string_view rest_;
};

}  // namespace afbs
