#include "core/engine/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace afbs::engine {

Status write_file_atomically(const std::string& path, const std::string& contents) {
  const std::string temporary = path + ".tmp" + std::to_string(::getpid());
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) {
    return Error{"cannot write " + temporary + ": " + std::strerror(errno)};
  }
  const bool written = std::fwrite(contents.data(), 1, contents.size(), file) == contents.size();
  const bool flushed = std::fflush(file) == 0 && ::fsync(::fileno(file)) == 0;
  const int saved_errno = errno;
  const bool closed = std::fclose(file) == 0;
  if (!written || !flushed || !closed) {
    std::remove(temporary.c_str());
    return Error{"cannot write " + temporary + ": " + std::strerror(saved_errno)};
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    std::remove(temporary.c_str());
    return Error{"cannot replace " + path + ": " + std::strerror(rename_errno)};
  }
  return {};
}

}  // namespace afbs::engine
