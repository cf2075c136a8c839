#pragma once

// Plumbing shared by every afbs-tune command that runs a model: MODEL_DIR (or the
// bundled demo model), --device, --dtype and --threads.

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include "app/tune/cli_args.h"
#include "core/common/result.h"
#include "core/model/model.h"

namespace afbs::cli {

// `value_options` plus device, dtype and threads.
std::set<std::string> with_model_options(std::set<std::string> value_options);

// The first positional, else the bundled demo model; the error says how to name one.
Result<std::filesystem::path> resolve_model_dir(const CliArgs& args);

// --device / --dtype as ModelOptions (checked when the model loads).
ModelOptions model_options_from(const CliArgs& args);

// Applies --threads (libtorch's thread count; 0 or absent: every core). Returns the count.
Result<int> apply_thread_option(const CliArgs& args);

// resolve_model_dir + Model::load with the options above.
Result<std::unique_ptr<Model>> load_model_from(const CliArgs& args);

// resources/data/<name> when present.
std::filesystem::path default_data_file(const std::string& name);

}  // namespace afbs::cli
