#pragma once

// Process-wide libtorch settings. Torch-free header: callers need not compile ATen.

namespace afbs {

// Sets libtorch's intra-op thread count: `requested` if > 0 (at most the machine's cores),
// else every core of the machine (Debian's libtorch starts at 1). Returns the count in force.
int configure_torch_threads(int requested = 0);

// True when libtorch sees at least one CUDA device.
bool cuda_available();

}  // namespace afbs
