#pragma once

// How an exception from libtorch becomes core's Error (STYLE: errors are values): libtorch's
// message without its C++ backtrace, marked out_of_memory when an allocation failed so the
// caller can say what to lower. Header-only: core/model and core/attention both use it.

#include <c10/util/Exception.h>

#include <cstdint>
#include <exception>
#include <new>
#include <string>

#include "core/common/memory_faults.h"
#include "core/common/result.h"

namespace afbs {

// An allocation failed: c10::OutOfMemoryError (what CUDA's caching allocator throws, in
// libtorch 1.13 and 2.x alike), std::bad_alloc, or a plain c10::Error that says so (the CPU
// allocator's "not enough memory"; a backend that throws no OutOfMemoryError).
inline bool is_out_of_memory(const std::exception& error) {
  if (dynamic_cast<const c10::OutOfMemoryError*>(&error) != nullptr) return true;
  if (dynamic_cast<const std::bad_alloc*>(&error) != nullptr) return true;
  if (const auto* c10_error = dynamic_cast<const c10::Error*>(&error)) {
    const std::string& message = c10_error->msg();
    return message.find("out of memory") != std::string::npos ||
           message.find("not enough memory") != std::string::npos;
  }
  return false;
}

inline Error torch_error(const std::string& context, const std::exception& error) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&error);
  Error made{context + ": " + (c10_error ? c10_error->what_without_backtrace() : error.what())};
  made.out_of_memory = is_out_of_memory(error);
  return made;
}

// Throws what a failing CUDA allocation throws when a test's hook fails this step
// (core/common/memory_faults.h); nothing otherwise.
inline void throw_if_memory_fault(MemoryFaultSite site, int layer, int64_t length_tokens) {
  if (!memory_fault(site, layer, length_tokens)) return;
  TORCH_CHECK_WITH(OutOfMemoryError, false, "CUDA out of memory. Tried to allocate 2.00 GiB ",
                   "(injected by a test: ", memory_fault_site_name(site), " of layer ", layer,
                   " at ", length_tokens, " tokens)");
}

}  // namespace afbs
