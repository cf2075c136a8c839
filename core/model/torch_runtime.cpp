#include "core/model/torch_runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <thread>

namespace afbs {

int configure_torch_threads(int requested) {
  // More threads than cores only thrash (--threads 100000 once started 11,000 and never
  // finished): a request is clamped to the machine.
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int threads = requested > 0 ? std::min(requested, cores) : cores;
  at::set_num_threads(threads);
  return at::get_num_threads();
}

bool cuda_available() {
  return at::hasCUDA();
}

}  // namespace afbs
