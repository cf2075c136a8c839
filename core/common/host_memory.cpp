#include "core/common/host_memory.h"

#include <fstream>
#include <string>

namespace afbs {
namespace {

// A "Key:   1234 kB" line of /proc/self/status, in bytes.
std::optional<int64_t> status_kilobytes(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    try {
      return int64_t{1024} * std::stoll(line.substr(key.size() + 1));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> resident_bytes() {
  return status_kilobytes("VmRSS");
}

std::optional<int64_t> peak_resident_bytes() {
  return status_kilobytes("VmHWM");
}

bool reset_peak_resident_bytes() {
  std::ofstream clear_refs("/proc/self/clear_refs");
  clear_refs << "5";
  clear_refs.flush();
  return static_cast<bool>(clear_refs);
}

}  // namespace afbs
