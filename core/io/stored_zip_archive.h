#pragma once

// A bounded reader of the zip container torch.save writes (DESIGN.md §8): every entry stored
// uncompressed, zip64 records where torch adds them. Built for files from strangers: every
// offset and size is checked against the bytes before it is used, compressed or encrypted
// entries are refused (so a deflate bomb cannot expand), and each entry's CRC-32 is checked
// when it is read. Torch-free.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/common/crc32.h"  // crc32_of, which zip entries carry
#include "core/common/result.h"

namespace afbs {

class StoredZipArchive {
 public:
  // More entries than this is not a torch.save file of thresholds.
  static constexpr size_t kMaxEntries = 1 << 16;

  // Indexes `bytes` (which must outlive the archive); `where` names the file in errors.
  static Result<StoredZipArchive> open(std::string_view bytes, const std::string& where);

  // Entry names in the order of the central directory's first entry first.
  const std::string& first_name() const { return first_name_; }
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  // The entry's bytes after its CRC-32 is checked; the error names the file and the entry.
  Result<std::string_view> read(const std::string& name) const;

 private:
  struct Entry {
    uint64_t offset = 0;  // of the data, inside bytes_
    uint64_t size = 0;
    uint32_t crc32 = 0;
  };
  std::string_view bytes_;
  std::string where_;
  std::string first_name_;
  std::map<std::string, Entry> entries_;
};

}  // namespace afbs
