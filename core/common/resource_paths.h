#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace afbs {

// The folder holding resources/ content (models/, data/): the source tree when run from a
// build tree, else the installed data directory; AFBS_RESOURCES overrides both.
std::optional<std::filesystem::path> find_resource_root();

// resources/models/<name> of the bundled demo model, if it is present.
std::optional<std::filesystem::path> find_demo_model();

inline constexpr const char* kDemoModelName = "kjv-llama";

}  // namespace afbs
