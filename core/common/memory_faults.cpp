#include "core/common/memory_faults.h"

#include <memory>
#include <mutex>

namespace afbs {
namespace {

std::mutex hook_mutex;
std::shared_ptr<const MemoryFaultHook> installed_hook;  // null: no faults

}  // namespace

const char* memory_fault_site_name(MemoryFaultSite site) {
  switch (site) {
    case MemoryFaultSite::Evaluate:
      return "evaluate";
    case MemoryFaultSite::LayerForward:
      return "layer forward";
  }
  return "?";
}

void set_memory_fault_hook(MemoryFaultHook hook) {
  std::lock_guard lock(hook_mutex);
  installed_hook = hook ? std::make_shared<const MemoryFaultHook>(std::move(hook)) : nullptr;
}

bool memory_fault(MemoryFaultSite site, int layer, int64_t length_tokens) {
  std::shared_ptr<const MemoryFaultHook> hook;
  {
    std::lock_guard lock(hook_mutex);
    hook = installed_hook;
  }
  return hook && (*hook)(site, layer, length_tokens);
}

}  // namespace afbs
