#include "core/model/torch_runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <thread>

namespace afbs {

int configure_torch_threads(int requested) {
  int threads = requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  at::set_num_threads(threads);
  return at::get_num_threads();
}

bool cuda_available() {
  return at::hasCUDA();
}

}  // namespace afbs
