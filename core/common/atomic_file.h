#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/common/result.h"

namespace afbs {

// Writes `contents` to `path` through a temporary file in the same folder, flushed to disk,
// then renamed over `path`, and the folder flushed too (so the rename survives a power cut):
// readers see the old file or the new one, never half of one. On error the temporary file
// is removed and `path` is untouched, except when only the folder's flush failed: `path` is
// then the new file, whole, and the error says so.
Status write_file_atomically(const std::filesystem::path& path, const std::string& contents);

// An error naming `path` unless write_file_atomically could write it now: its folder exists
// and takes a new file, and `path` is not a folder. Lets a command refuse a bad output path
// before a long run instead of after it. Leaves nothing behind.
Status check_writable(const std::filesystem::path& path);

// Files we read whole are at most this large unless a caller says otherwise.
inline constexpr uint64_t kMaxReadBytes = uint64_t{1} << 30;

// The whole file as bytes; the error names the file. Only a regular file is read (a FIFO or
// a device such as /dev/zero would block or never end), and one over `max_bytes` is refused.
Result<std::string> read_file_bytes(const std::filesystem::path& path,
                                    uint64_t max_bytes = kMaxReadBytes);

// An error naming `path` unless it is a regular file of at most `max_bytes` (symlinks followed).
Status check_regular_file(const std::filesystem::path& path, uint64_t max_bytes = kMaxReadBytes);

}  // namespace afbs
