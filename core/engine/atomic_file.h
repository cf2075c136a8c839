#pragma once

#include <string>

#include "core/common/result.h"

namespace afbs::engine {

// Writes `contents` to `path` through a temporary file in the same folder and a rename, so
// readers see the old file or the new one, never half of it. On error `path` is untouched.
Status write_file_atomically(const std::string& path, const std::string& contents);

}  // namespace afbs::engine
