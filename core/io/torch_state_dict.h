#pragma once

// Reads the dict of tensors inside a torch.save archive without libtorch's unpickler: an
// allow-list state machine over the pickle opcodes torch.save and libtorch's Pickler emit for
// such a dict (protocols 2-4), with the stack checked on every opcode, nesting and sizes
// bounded, no callable outside {dict, OrderedDict, torch._utils._rebuild_tensor_v2} and
// every tensor's extent checked against its storage record before a single element is read.
// A malformed file is an Error naming the file, never undefined behaviour. Torch-free.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace afbs {

// One tensor as the file holds it: a strided view of a little-endian storage record.
struct PickledTensor {
  std::string
      dtype;  // torch's name: Float, Double, Half, BFloat16, Bool, Byte, Char, Short, Int, Long
  std::vector<int64_t> sizes;
  std::vector<int64_t> strides;
  int64_t offset = 0;
  int64_t element_bytes = 0;
  std::string_view storage;  // points into the file's bytes

  int64_t numel() const;
  // Element `index` in row-major order, converted to double; `index` must be < numel().
  double at(int64_t index) const;
};

struct TorchFileLimits {
  size_t max_pickle_bytes = 16u << 20;
  size_t max_stack_items = 1u << 18;  // every stack and the memo together
  size_t max_nesting = 32;            // MARKs open at once, tuples inside tuples
  size_t max_dimensions = 16;
};

// The name → tensor dict of the torch.save archive `file_bytes` (which the tensors point
// into, so it must outlive them). Errors name `where` and what is wrong at which byte.
Result<std::map<std::string, PickledTensor>> read_torch_state_dict(
    std::string_view file_bytes, const std::string& where, const TorchFileLimits& limits = {});

}  // namespace afbs
