#pragma once

// Installs a write fault (core/common/write_faults.h) for the scope of one test step.

#include <string>

#include "core/common/write_faults.h"

namespace afbs::testing {

// Fails `step` with `error` whenever the file being written is `target`; removed when it goes.
class InjectedWriteFault {
 public:
  InjectedWriteFault(WriteStep step, int error, const std::string& target) {
    set_write_fault_hook([=](WriteStep at, const std::string& path) {
      return at == step && path == target ? error : 0;
    });
  }
  ~InjectedWriteFault() { set_write_fault_hook({}); }
  InjectedWriteFault(const InjectedWriteFault&) = delete;
  InjectedWriteFault& operator=(const InjectedWriteFault&) = delete;
};

}  // namespace afbs::testing
