#include "core/io/stored_zip_archive.h"

#include <optional>

namespace afbs {
namespace {

constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint32_t kZip64EndLocator = 0x07064b50;
constexpr uint32_t kZip64End = 0x06064b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr size_t kEndRecordBytes = 22;
constexpr size_t kMaxCommentBytes = 0xffff;
constexpr size_t kMaxNameBytes = 4096;

// Little-endian integers at `offset`, or nothing when they would run past the end.
std::optional<uint64_t> little_endian(std::string_view bytes, uint64_t offset, int width) {
  if (offset > bytes.size() || bytes.size() - offset < static_cast<uint64_t>(width)) {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[offset + static_cast<uint64_t>(i)]);
  }
  return value;
}

// Replaces 32-bit fields that say 0xffffffff with their values from the zip64 extra field.
bool apply_zip64_extra(std::string_view extra, uint64_t& size, uint64_t& compressed,
                       uint64_t& local_offset) {
  uint64_t at = 0;
  while (at + 4 <= extra.size()) {
    const uint64_t id = *little_endian(extra, at, 2);
    const uint64_t length = *little_endian(extra, at + 2, 2);
    if (extra.size() - at - 4 < length) return false;
    if (id == 0x0001) {
      std::string_view field = extra.substr(at + 4, length);
      uint64_t pos = 0;
      for (uint64_t* value : {&size, &compressed, &local_offset}) {
        if (*value != 0xffffffffu) continue;
        auto wide = little_endian(field, pos, 8);
        if (!wide) return false;
        *value = *wide;
        pos += 8;
      }
      return true;
    }
    at += 4 + length;
  }
  return size != 0xffffffffu && compressed != 0xffffffffu && local_offset != 0xffffffffu;
}

}  // namespace

Result<StoredZipArchive> StoredZipArchive::open(std::string_view bytes, const std::string& where) {
  auto fail = [&](const std::string& what) {
    return Error{where + ": not a torch.save zip archive: " + what};
  };
  if (bytes.size() < kEndRecordBytes) return fail("too short to be a zip file");

  // The end-of-central-directory record: the last signature within reach of the end.
  std::optional<uint64_t> end_record;
  const uint64_t lowest = bytes.size() > kEndRecordBytes + kMaxCommentBytes
                              ? bytes.size() - kEndRecordBytes - kMaxCommentBytes
                              : 0;
  for (uint64_t at = bytes.size() - kEndRecordBytes + 1; at-- > lowest;) {
    if (little_endian(bytes, at, 4) == kEndOfCentralDirectory) {
      end_record = at;
      break;
    }
  }
  if (!end_record) return fail("no end-of-central-directory record");
  uint64_t entry_count = *little_endian(bytes, *end_record + 10, 2);
  uint64_t directory_size = *little_endian(bytes, *end_record + 12, 4);
  uint64_t directory_offset = *little_endian(bytes, *end_record + 16, 4);
  if (*end_record >= 20 && little_endian(bytes, *end_record - 20, 4) == kZip64EndLocator) {
    const uint64_t zip64_end = *little_endian(bytes, *end_record - 20 + 8, 8);
    if (little_endian(bytes, zip64_end, 4) != kZip64End) return fail("a broken zip64 record");
    auto count = little_endian(bytes, zip64_end + 32, 8);
    auto size = little_endian(bytes, zip64_end + 40, 8);
    auto offset = little_endian(bytes, zip64_end + 48, 8);
    if (!count || !size || !offset) return fail("a truncated zip64 record");
    entry_count = *count;
    directory_size = *size;
    directory_offset = *offset;
  }
  if (entry_count == 0) return fail("no entries");
  if (entry_count > kMaxEntries) {
    return fail("declares " + std::to_string(entry_count) + " entries (at most " +
                std::to_string(kMaxEntries) + ")");
  }
  if (directory_offset > bytes.size() || bytes.size() - directory_offset < directory_size) {
    return fail("its central directory runs past the end of the file");
  }

  StoredZipArchive archive;
  archive.bytes_ = bytes;
  archive.where_ = where;
  uint64_t at = directory_offset;
  const uint64_t directory_end = directory_offset + directory_size;
  for (uint64_t i = 0; i < entry_count; ++i) {
    if (directory_end - at < 46 || little_endian(bytes, at, 4) != kCentralHeader) {
      return fail("central directory entry " + std::to_string(i) + " is broken");
    }
    const uint64_t flags = *little_endian(bytes, at + 8, 2);
    const uint64_t method = *little_endian(bytes, at + 10, 2);
    const auto crc = static_cast<uint32_t>(*little_endian(bytes, at + 16, 4));
    uint64_t compressed = *little_endian(bytes, at + 20, 4);
    uint64_t size = *little_endian(bytes, at + 24, 4);
    const uint64_t name_bytes = *little_endian(bytes, at + 28, 2);
    const uint64_t extra_bytes = *little_endian(bytes, at + 30, 2);
    const uint64_t comment_bytes = *little_endian(bytes, at + 32, 2);
    uint64_t local_offset = *little_endian(bytes, at + 42, 4);
    if (directory_end - at - 46 < name_bytes + extra_bytes + comment_bytes) {
      return fail("central directory entry " + std::to_string(i) + " runs past the directory");
    }
    if (name_bytes == 0 || name_bytes > kMaxNameBytes) {
      return fail("central directory entry " + std::to_string(i) + " has no usable name");
    }
    std::string name(bytes.substr(at + 46, name_bytes));
    if (!apply_zip64_extra(bytes.substr(at + 46 + name_bytes, extra_bytes), size, compressed,
                           local_offset)) {
      return fail("entry '" + name + "' has a broken zip64 field");
    }
    if (flags & 1u) return fail("entry '" + name + "' is encrypted");
    if (method != 0 || compressed != size) {
      return fail("entry '" + name + "' is compressed (method " + std::to_string(method) +
                  "); torch.save stores entries uncompressed");
    }
    // The data follows the local header, whose name and extra field may differ in length.
    if (little_endian(bytes, local_offset, 4) != kLocalHeader) {
      return fail("entry '" + name + "' points at no local header");
    }
    auto local_name = little_endian(bytes, local_offset + 26, 2);
    auto local_extra = little_endian(bytes, local_offset + 28, 2);
    if (!local_name || !local_extra) return fail("entry '" + name + "' has a truncated header");
    const uint64_t data = local_offset + 30 + *local_name + *local_extra;
    if (data > bytes.size() || bytes.size() - data < size) {
      return fail("entry '" + name + "' declares " + std::to_string(size) +
                  " bytes, more than the file holds");
    }
    if (i == 0) archive.first_name_ = name;
    if (!archive.entries_.emplace(name, Entry{data, size, crc}).second) {
      return fail("entry '" + name + "' appears twice");
    }
    at += 46 + name_bytes + extra_bytes + comment_bytes;
  }
  return archive;
}

Result<std::string_view> StoredZipArchive::read(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) return Error{where_ + ": the archive has no entry '" + name + "'"};
  const std::string_view data = bytes_.substr(it->second.offset, it->second.size);
  if (crc32_of(data) != it->second.crc32) {
    return Error{where_ + ": entry '" + name + "' is corrupt (its CRC-32 does not match)"};
  }
  return data;
}

}  // namespace afbs
