#include "app/tune/model_options.h"

#include <algorithm>

#include "core/common/resource_paths.h"
#include "core/model/torch_runtime.h"

namespace afbs::cli {

std::set<std::string> with_model_options(std::set<std::string> value_options) {
  value_options.insert({"device", "dtype", "threads"});
  return value_options;
}

Result<std::filesystem::path> resolve_model_dir(const CliArgs& args) {
  if (!args.positionals().empty()) {
    std::filesystem::path dir = args.positionals().front();
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      return Error{dir.string() + ": not a model folder (config.json + *.safetensors)"};
    }
    return dir;
  }
  if (auto demo = find_demo_model()) return *demo;
  return Error{std::string("no MODEL_DIR given and the bundled demo model '") + kDemoModelName +
               "' is not installed (looked under resources/models/; set AFBS_RESOURCES "
               "or name a Hugging Face model folder)"};
}

ModelOptions model_options_from(const CliArgs& args) {
  ModelOptions options;
  options.device = args.get("device", "cpu");
  options.dtype = args.get("dtype", "");
  return options;
}

Result<int> apply_thread_option(const CliArgs& args) {
  auto threads = args.get_int("threads", 0);
  if (!threads) return threads.error();
  if (*threads < 0) return Error{"--threads must be 0 (every core) or more"};
  return configure_torch_threads(static_cast<int>(std::min<long long>(*threads, 1 << 20)));
}

Result<std::unique_ptr<Model>> load_model_from(const CliArgs& args) {
  auto dir = resolve_model_dir(args);
  if (!dir) return dir.error();
  return Model::load(*dir, model_options_from(args));
}

std::filesystem::path default_data_file(const std::string& name) {
  auto root = find_resource_root();
  return root ? *root / "data" / name : std::filesystem::path("resources/data") / name;
}

}  // namespace afbs::cli
