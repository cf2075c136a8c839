#pragma once

#include <filesystem>
#include <string>

#include "core/common/result.h"

namespace afbs {

// Writes `contents` to `path` through a temporary file in the same folder, flushed to disk,
// then renamed over `path`: readers see the old file or the new one, never half of one.
// On error `path` is untouched and the temporary file is removed.
Status write_file_atomically(const std::filesystem::path& path, const std::string& contents);

// The whole file as bytes; the error names the file.
Result<std::string> read_file_bytes(const std::filesystem::path& path);

}  // namespace afbs
