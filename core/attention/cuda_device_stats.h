#pragma once

// What libtorch's CUDA caching allocator says about a device, and a wait for its work, where
// libtorch has CUDA (AFBS_TORCH_CUDA builds). Elsewhere nothing is measured: the peak is
// nullopt and the wait does nothing.

#include <c10/core/Device.h>

#include <cstdint>
#include <optional>
#include <string>

namespace afbs {

// Peak bytes the allocator handed out on `device` ("cuda", "cuda:1") since the last reset (or
// the start); nullopt for a CPU device or a build without CUDA.
std::optional<int64_t> cuda_peak_allocated_bytes(const std::string& device);
void reset_cuda_peak_allocated_bytes(const std::string& device);

// Waits for the work queued on `device`'s current stream (timing asynchronous work).
void synchronize_device(const c10::Device& device);

}  // namespace afbs
