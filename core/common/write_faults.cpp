#include "core/common/write_faults.h"

#include <cerrno>
#include <memory>
#include <mutex>

namespace afbs {
namespace {

std::mutex hook_mutex;
std::shared_ptr<const WriteFaultHook> installed_hook;  // null: no faults

}  // namespace

const char* write_step_name(WriteStep step) {
  switch (step) {
    case WriteStep::Open:
      return "open";
    case WriteStep::Write:
      return "write";
    case WriteStep::Fsync:
      return "fsync";
    case WriteStep::Close:
      return "close";
    case WriteStep::Rename:
      return "rename";
    case WriteStep::SyncFolder:
      return "fsync folder";
  }
  return "?";
}

void set_write_fault_hook(WriteFaultHook hook) {
  std::lock_guard lock(hook_mutex);
  installed_hook = hook ? std::make_shared<const WriteFaultHook>(std::move(hook)) : nullptr;
}

bool write_fault(WriteStep step, const std::string& path) {
  std::shared_ptr<const WriteFaultHook> hook;
  {
    std::lock_guard lock(hook_mutex);
    hook = installed_hook;
  }
  if (!hook) return false;
  const int error = (*hook)(step, path);
  if (error == 0) return false;
  errno = error;
  return true;
}

}  // namespace afbs
