#pragma once

#include <cstdint>
#include <string_view>

namespace afbs {

// CRC-32 (the IEEE polynomial, as zip and zlib compute it) of `bytes`. Used to check zip
// entries and journal records; it catches bit flips and edits, it is not a signature.
uint32_t crc32_of(std::string_view bytes);

}  // namespace afbs
