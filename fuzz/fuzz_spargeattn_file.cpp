// The SpargeAttn .pt reader: zip container, pickle state machine, storages (issue 15).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/io/torch_state_dict.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto tensors = afbs::read_torch_state_dict(bytes, "fuzz.pt");
  if (tensors.ok()) {
    double sum = 0;  // every element of every tensor must be readable
    for (const auto& [name, tensor] : *tensors) {
      const int64_t n = tensor.numel() < 4096 ? tensor.numel() : 4096;
      for (int64_t i = 0; i < n; ++i)
        sum += tensor.at(i);
    }
    (void)sum;
  }
  return 0;
}
