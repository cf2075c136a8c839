#include "core/tokenizer/protobuf_reader.h"

#include <cstring>
#include <string>

namespace afbs {

float ProtobufField::as_float() const {
  const auto bits = static_cast<uint32_t>(integer);
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

Result<uint64_t> ProtobufReader::read_varint() {
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (rest_.empty()) return Error{"truncated varint"};
    const auto byte = static_cast<unsigned char>(rest_.front());
    rest_.remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return Error{"varint longer than 10 bytes"};
}

Result<bool> ProtobufReader::next(ProtobufField& field) {
  if (rest_.empty()) return false;
  const Result<uint64_t> key = read_varint();
  if (!key.ok()) return key.error();
  const uint64_t number = *key >> 3;
  if (number == 0 || number > 0x1FFFFFFF)
    return Error{"invalid field number " + std::to_string(number)};
  field.number = static_cast<uint32_t>(number);
  field.bytes = {};
  field.integer = 0;
  const auto take_fixed = [&](std::size_t size) -> Result<bool> {
    if (rest_.size() < size) return Error{"truncated fixed-size field " + std::to_string(number)};
    uint64_t value = 0;
    for (std::size_t i = 0; i < size; ++i) {
      value |= static_cast<uint64_t>(static_cast<unsigned char>(rest_[i])) << (8 * i);
    }
    field.integer = value;
    rest_.remove_prefix(size);
    return true;
  };
  switch (*key & 7) {
    case 0: {
      field.wire_type = ProtobufField::WireType::Varint;
      const Result<uint64_t> value = read_varint();
      if (!value.ok()) return value.error();
      field.integer = *value;
      return true;
    }
    case 1:
      field.wire_type = ProtobufField::WireType::Fixed64;
      return take_fixed(8);
    case 2: {
      field.wire_type = ProtobufField::WireType::LengthDelimited;
      const Result<uint64_t> length = read_varint();
      if (!length.ok()) return length.error();
      if (*length > rest_.size()) {
        return Error{"field " + std::to_string(number) + " claims " + std::to_string(*length) +
                     " bytes but only " + std::to_string(rest_.size()) + " are left"};
      }
      field.bytes = rest_.substr(0, *length);
      rest_.remove_prefix(*length);
      return true;
    }
    case 5:
      field.wire_type = ProtobufField::WireType::Fixed32;
      return take_fixed(4);
    default:
      return Error{"unsupported wire type " + std::to_string(*key & 7) + " in field " +
                   std::to_string(number)};
  }
}

}  // namespace afbs
