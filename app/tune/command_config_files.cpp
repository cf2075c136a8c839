// afbs-tune check / export / import: the config files of DESIGN.md §8.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/tune/commands.h"
#include "app/tune/model_options.h"
#include "core/common/atomic_file.h"
#include "core/io/config_file.h"
#include "core/io/spargeattn_file.h"
#include "core/model/model_config.h"
#include "core/session/model_identity.h"

namespace afbs::cli {
namespace {

// The identity of MODEL_DIR (positional `index`) or of the demo model; reads config.json
// and the safetensors headers only, never the weights.
Result<ModelIdentity> identity_from(const CliArgs& args, size_t index) {
  std::filesystem::path dir;
  if (args.positionals().size() > index) {
    dir = args.positionals()[index];
  } else {
    auto demo = resolve_model_dir(CliArgs{});
    if (!demo) return demo.error();
    dir = *demo;
  }
  auto config = load_model_config(dir);
  if (!config) return config.error();
  return identify_model(dir, *config);
}

std::string head_table_csv(const SparseConfig& config) {
  std::ostringstream csv;
  csv << "layer,head,sparse,pinned,theta,tau,lambda,sparsity,error\n";
  csv.precision(17);
  for (size_t l = 0; l < config.layers.size(); ++l) {
    for (size_t h = 0; h < config.layers[l].size(); ++h) {
      const HeadConfig& head = config.layers[l][h];
      csv << l << ',' << h << ',' << head.sparse << ',' << head.pinned << ',' << head.theta << ','
          << head.tau << ',' << head.lambda << ',';
      if (head.sparsity) csv << *head.sparsity;
      csv << ',';
      if (head.error) csv << *head.error;
      csv << '\n';
    }
  }
  return csv.str();
}

}  // namespace

int run_check(const std::vector<std::string>& argv) {
  auto args = CliArgs::parse(argv, {}, {"json"});
  if (!args) return fail_usage(args.error().message);
  if (args->positionals().empty())
    return fail_usage("check needs a config file: check CFG [MODEL_DIR]");
  const std::string path = args->positionals()[0];
  auto config = read_config(path);
  if (!config) return fail(config.error().message);
  auto identity = identity_from(*args, 1);
  if (!identity) return fail(identity.error().message);
  if (Status matches = check_config_matches(*config, *identity, path); !matches) {
    return fail(matches.error().message);
  }
  const double sparsity = config->mean_measured_sparsity().value_or(0.0);
  if (args->has("json")) {
    nlohmann::json json = {
        {"valid", true},
        {"layers", config->model.layers},
        {"heads", config->model.heads},
        {"mean_sparsity",
         config->mean_measured_sparsity() ? nlohmann::json(sparsity) : nlohmann::json(nullptr)}};
    std::printf("%s\n", json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::printf("%s: valid for %s (%lld layers x %lld heads), mean measured sparsity %s\n",
                path.c_str(), identity->name.c_str(), static_cast<long long>(config->model.layers),
                static_cast<long long>(config->model.heads),
                config->mean_measured_sparsity() ? std::to_string(sparsity).c_str() : "n/a");
  }
  return 0;
}

int run_export(const std::vector<std::string>& argv) {
  auto args = CliArgs::parse(argv, {"spargeattn", "csv"}, {});
  if (!args) return fail_usage(args.error().message);
  if (args->positionals().size() != 1 || args->has("spargeattn") == args->has("csv")) {
    return fail_usage("usage: export CFG (--spargeattn OUT.pt | --csv OUT.csv)");
  }
  auto config = read_config(args->positionals()[0]);
  if (!config) return fail(config.error().message);
  if (args->has("spargeattn")) {
    if (Status written = write_spargeattn(*config, args->get("spargeattn")); !written) {
      return fail(written.error().message);
    }
    std::printf("wrote %s\n", args->get("spargeattn").c_str());
  } else {
    if (Status written = write_file_atomically(args->get("csv"), head_table_csv(*config));
        !written) {
      return fail(written.error().message);
    }
    std::printf("wrote %s\n", args->get("csv").c_str());
  }
  return 0;
}

int run_import(const std::vector<std::string>& argv) {
  auto args = CliArgs::parse(argv, {"out"}, {});
  if (!args) return fail_usage(args.error().message);
  if (args->positionals().empty() || !args->has("out")) {
    return fail_usage("usage: import IN.pt [MODEL_DIR] --out CFG");
  }
  auto identity = identity_from(*args, 1);
  if (!identity) return fail(identity.error().message);
  auto config = read_spargeattn(args->positionals()[0], *identity);
  if (!config) return fail(config.error().message);
  config->tuning = TuningSummary{};
  config->tuning->method = "spargeattn-import";
  if (Status written = write_config(*config, args->get("out")); !written) {
    return fail(written.error().message);
  }
  std::printf("wrote %s\n", args->get("out").c_str());
  return 0;
}

}  // namespace afbs::cli
