#pragma once

// What libtorch's CUDA caching allocator says about a device, and marks on its stream that time
// asynchronous work, where libtorch has CUDA (AFBS_TORCH_CUDA builds). Elsewhere nothing is
// measured: the peak and the times are nullopt.

#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace afbs {

// Peak bytes the allocator handed out on `device` ("cuda", "cuda:1") since the last reset (or
// the start); nullopt for a CPU device or a build without CUDA.
std::optional<int64_t> cuda_peak_allocated_bytes(const std::string& device);
void reset_cuda_peak_allocated_bytes(const std::string& device);

// Hands the blocks the allocator caches but no tensor uses back to the driver (every device),
// after an out-of-memory error: what a retry or the next run may need. Nothing without CUDA.
void release_cached_device_memory();

// A point recorded on `device`'s current stream (a CUDA event). The device time between two
// marks is read once the later one has run, so marking costs no host round trip on a hot path.
class DeviceMark {
 public:
  explicit DeviceMark(const c10::Device& device);
  ~DeviceMark();
  DeviceMark(const DeviceMark&) = delete;
  DeviceMark& operator=(const DeviceMark&) = delete;

  // Seconds of device time from `earlier` to this mark, waiting for this mark if it has not run
  // yet; nullopt on a CPU device or in a build without CUDA.
  std::optional<double> seconds_after(const DeviceMark& earlier) const;

 private:
  struct Event;
  std::unique_ptr<Event> event_;  // null where nothing is recorded
};

}  // namespace afbs
