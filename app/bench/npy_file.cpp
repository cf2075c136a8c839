#include "app/bench/npy_file.h"

#include <ATen/ATen.h>

#include <cstdint>

#include "core/common/atomic_file.h"

namespace afbs::bench {

Status write_npy(const std::string& path, const at::Tensor& tensor) {
  at::Tensor data = tensor.to(at::kCPU, at::kFloat).contiguous();
  std::string shape;
  for (int64_t d : data.sizes())
    shape += std::to_string(d) + ", ";
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
  while ((10 + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  const auto length = static_cast<uint16_t>(header.size());
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(length & 0xff);
  bytes += static_cast<char>(length >> 8);
  bytes += header;
  bytes.append(static_cast<const char*>(data.data_ptr()), data.nbytes());
  return write_file_atomically(path, bytes);  // like every output: whole or not at all
}

}  // namespace afbs::bench
