#include "core/common/resource_paths.h"

#include <cstdlib>

namespace afbs {
namespace fs = std::filesystem;

std::optional<fs::path> find_resource_root() {
  std::error_code ec;
  if (const char* env = std::getenv("AFBS_RESOURCES"); env && *env) {
    if (fs::is_directory(env, ec)) return fs::path(env);
    return std::nullopt;
  }
  for (const char* candidate : {AFBS_SOURCE_RESOURCES, AFBS_INSTALLED_RESOURCES}) {
    if (fs::is_directory(fs::path(candidate) / "models", ec)) return fs::path(candidate);
  }
  return std::nullopt;
}

std::optional<fs::path> find_demo_model() {
  auto root = find_resource_root();
  if (!root) return std::nullopt;
  fs::path dir = *root / "models" / kDemoModelName;
  std::error_code ec;
  if (fs::is_regular_file(dir / "config.json", ec)) return dir;
  return std::nullopt;
}

}  // namespace afbs
