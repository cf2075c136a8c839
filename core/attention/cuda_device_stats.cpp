#include "core/attention/cuda_device_stats.h"

#include <exception>

#if AFBS_TORCH_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace afbs {

#if AFBS_TORCH_CUDA

namespace {

// The device's index, the current one for a bare "cuda"; nullopt when not a CUDA device.
std::optional<c10::DeviceIndex> cuda_index(const std::string& name) {
  try {
    const c10::Device device(name);
    if (!device.is_cuda()) return std::nullopt;
    return device.has_index() ? device.index() : c10::cuda::current_device();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<int64_t> cuda_peak_allocated_bytes(const std::string& device) {
  const auto index = cuda_index(device);
  if (!index) return std::nullopt;
  // allocated_bytes[0]: the aggregate over the small and large pools.
  return c10::cuda::CUDACachingAllocator::getDeviceStats(*index).allocated_bytes[0].peak;
}

void reset_cuda_peak_allocated_bytes(const std::string& device) {
  if (const auto index = cuda_index(device)) {
    c10::cuda::CUDACachingAllocator::resetPeakStats(*index);
  }
}

void release_cached_device_memory() {
  c10::cuda::CUDACachingAllocator::emptyCache();
}

struct DeviceMark::Event {
  at::cuda::CUDAEvent event{cudaEventDefault};  // the default event disables timing
};

DeviceMark::DeviceMark(const c10::Device& device) {
  if (!device.is_cuda()) return;
  event_ = std::make_unique<Event>();
  event_->event.record(c10::cuda::getCurrentCUDAStream(device.index()));
}

std::optional<double> DeviceMark::seconds_after(const DeviceMark& earlier) const {
  if (!event_ || !earlier.event_) return std::nullopt;
  event_->event.synchronize();
  return earlier.event_->event.elapsed_time(event_->event) / 1000.0;  // milliseconds
}

#else  // libtorch without CUDA: nothing to measure or wait for

std::optional<int64_t> cuda_peak_allocated_bytes(const std::string&) {
  return std::nullopt;
}
void reset_cuda_peak_allocated_bytes(const std::string&) {}
void release_cached_device_memory() {}
struct DeviceMark::Event {};
DeviceMark::DeviceMark(const c10::Device&) {}
std::optional<double> DeviceMark::seconds_after(const DeviceMark&) const {
  return std::nullopt;
}

#endif

DeviceMark::~DeviceMark() = default;

}  // namespace afbs
