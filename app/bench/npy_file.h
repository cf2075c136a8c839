#pragma once

// NumPy .npy files (format version 1.0) for results a Python script reads next.

#include <ATen/core/Tensor.h>

#include <string>

#include "core/common/result.h"

namespace afbs::bench {

// `tensor` as float32, C order, written whole or not at all (a temporary file and a rename).
Status write_npy(const std::string& path, const at::Tensor& tensor);

}  // namespace afbs::bench
