#include "core/common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace afbs {
namespace fs = std::filesystem;

namespace {

Error io_error(const fs::path& path, const std::string& what) {
  return Error{path.string() + ": " + what + " (" + std::strerror(errno) + ")"};
}

}  // namespace

Status write_file_atomically(const fs::path& path, const std::string& contents) {
  const fs::path temporary = path.string() + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(path, "cannot create a temporary file beside it");
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Error error = io_error(path, "cannot write");
      ::close(fd);
      ::unlink(temporary.c_str());
      return error;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    Error error = io_error(path, "cannot flush to disk");
    ::unlink(temporary.c_str());
    return error;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    Error error = io_error(path, "cannot replace the file");
    ::unlink(temporary.c_str());
    return error;
  }
  return {};
}

Result<std::string> read_file_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path.string() + ": cannot open (" + std::strerror(errno) + ")"};
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Error{path.string() + ": cannot read"};
  return bytes.str();
}

}  // namespace afbs
