#include "core/common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/common/write_faults.h"

namespace afbs {
namespace fs = std::filesystem;

namespace {

Error io_error(const fs::path& path, const std::string& what) {
  return Error{path.string() + ": " + what + " (" + std::strerror(errno) + ")"};
}

// fsync of the folder holding `path`, so that the rename that put `path` there survives a
// power cut (the file's own fsync covers its bytes, not its name). A file system that cannot
// sync a folder (EINVAL) has nothing more to do.
bool sync_folder_of(const fs::path& path) {
  const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (write_fault(WriteStep::SyncFolder, path.string())) return false;
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0 || errno == EINVAL;
  const int sync_errno = errno;
  ::close(fd);
  errno = sync_errno;
  return synced;
}

}  // namespace

Status write_file_atomically(const fs::path& path, const std::string& contents) {
  const std::string target = path.string();
  const fs::path temporary = target + ".tmp." + std::to_string(::getpid());
  const int fd = write_fault(WriteStep::Open, target)
                     ? -1
                     : ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(path, "cannot create a temporary file beside it");
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = write_fault(WriteStep::Write, target)
                          ? -1
                          : ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error error = io_error(path, "cannot write");
      ::close(fd);
      ::unlink(temporary.c_str());
      return error;
    }
    written += static_cast<size_t>(n);
  }
  // The descriptor is closed whether or not fsync worked (it once leaked when fsync failed).
  const bool synced = !write_fault(WriteStep::Fsync, target) && ::fsync(fd) == 0;
  const int sync_errno = errno;
  const bool closed = ::close(fd) == 0 && !write_fault(WriteStep::Close, target);
  if (!synced || !closed) {
    if (!synced) errno = sync_errno;
    Error error = io_error(path, "cannot flush to disk");
    ::unlink(temporary.c_str());
    return error;
  }
  if (write_fault(WriteStep::Rename, target) || ::rename(temporary.c_str(), path.c_str()) != 0) {
    Error error = io_error(path, "cannot replace the file");
    ::unlink(temporary.c_str());
    return error;
  }
  // The new file is whole from here on; only its name's durability is in question.
  if (!sync_folder_of(path)) {
    return io_error(path,
                    "written whole, but its folder cannot be flushed to disk, so a power "
                    "cut could still bring back the old file");
  }
  return {};
}

namespace {

// What `info` describes, in words, when it is not a regular file.
const char* not_regular(const struct stat& info) {
  if (S_ISDIR(info.st_mode)) return "a folder";
  if (S_ISFIFO(info.st_mode)) return "a FIFO";
  if (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode)) return "a device";
  if (S_ISSOCK(info.st_mode)) return "a socket";
  return S_ISREG(info.st_mode) ? nullptr : "not a regular file";
}

Status check_stat(const fs::path& path, const struct stat& info, uint64_t max_bytes) {
  if (const char* kind = not_regular(info)) {
    return Error{path.string() + ": is " + kind + ", not a regular file"};
  }
  if (static_cast<uint64_t>(info.st_size) > max_bytes) {
    return Error{path.string() + ": is " + std::to_string(info.st_size) + " bytes, more than the " +
                 std::to_string(max_bytes) + " this file may have"};
  }
  return {};
}

}  // namespace

Status check_writable(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    return Error{path.string() + ": is a folder, not a file that can be written"};
  }
  const fs::path probe = path.string() + ".probe." + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(path, "cannot be written");
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

Status check_regular_file(const fs::path& path, uint64_t max_bytes) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return io_error(path, "cannot open");
  return check_stat(path, info, max_bytes);
}

Result<std::string> read_file_bytes(const fs::path& path, uint64_t max_bytes) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return io_error(path, "cannot open");
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    Error error = io_error(path, "cannot open");
    ::close(fd);
    return error;
  }
  if (Status ok = check_stat(path, info, max_bytes); !ok) {
    ::close(fd);
    return ok.error();
  }
  std::string bytes;
  bytes.resize(static_cast<size_t>(info.st_size));
  size_t done = 0;
  while (true) {
    if (done == bytes.size()) {
      if (bytes.size() >= max_bytes) break;  // a file that grows is read up to the limit
      bytes.resize(std::min<uint64_t>(max_bytes, bytes.size() + 65536));
    }
    const ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error error = io_error(path, "cannot read");
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  bytes.resize(done);
  return bytes;
}

}  // namespace afbs
