#pragma once

// A seam for fault-injection tests (docs/reliability.md, "Faults"). Every write path of the
// tools (write_file_atomically, which every output goes through, and the journal's append)
// asks it before each system call that a failing disk can fail, and fails as that call would
// when the hook answers an errno. No hook is installed outside tests.

#include <functional>
#include <string>

namespace afbs {

// SyncFolder: the fsync of the target's folder after the rename, which makes the rename
// itself durable (without it a power cut may bring the old file back).
enum class WriteStep { Open, Write, Fsync, Close, Rename, SyncFolder };

const char* write_step_name(WriteStep step);

// Answers the errno with which `step` on `path` (the file the caller means to write, not
// its temporary) should fail, or 0 to let it run.
using WriteFaultHook = std::function<int(WriteStep step, const std::string& path)>;

// Installs `hook` for every thread; an empty hook removes it.
void set_write_fault_hook(WriteFaultHook hook);

// True when the installed hook fails `step` on `path`; errno is then its answer.
bool write_fault(WriteStep step, const std::string& path);

}  // namespace afbs
