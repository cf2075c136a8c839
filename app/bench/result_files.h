#pragma once

#include <string>

#include "core/common/result.h"

namespace afbs::bench {

// Where and when a benchmark ran, for the header of every result file.
struct RunProvenance {
  std::string date_utc;      // ISO 8601
  std::string machine;       // CPU model name and logical CPU count
  std::string commit;        // short hash, or "unknown" outside a git checkout
  std::string load_average;  // /proc/loadavg's 1/5/15-minute figures when the run began
  std::string command;
};

RunProvenance describe_run(const std::string& command_line);

// Writes `text` to `path` through a temporary file and a rename, creating the folder;
// the error names the path.
Status write_file_atomically(const std::string& path, const std::string& text);

}  // namespace afbs::bench
