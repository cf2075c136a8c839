#pragma once

// The process's resident memory as Linux reports it (/proc/self/status), for the accounting of
// a tuning run: a 7B model's load maps its checkpoint while copying it, so the lifetime peak
// says little about capture and tuning; resetting the peak mark after the load separates them.

#include <cstdint>
#include <optional>

namespace afbs {

std::optional<int64_t> resident_bytes();       // VmRSS now
std::optional<int64_t> peak_resident_bytes();  // VmHWM: the peak since start or the last reset
// Resets VmHWM to the current RSS (/proc/self/clear_refs, value 5); false where unsupported.
bool reset_peak_resident_bytes();

}  // namespace afbs
