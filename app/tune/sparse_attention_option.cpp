#include "app/tune/sparse_attention_option.h"

#include "core/attention/sparse_preset.h"
#include "core/io/config_file.h"
#include "core/session/model_identity.h"

namespace afbs::cli {

std::set<std::string> with_sparse_options(std::set<std::string> value_options) {
  value_options.insert({"config", "preset"});
  return value_options;
}

Result<ModelIdentity> model_identity(const Model& model) {
  return identify_model(model.directory(), model.config());
}

Result<std::unique_ptr<SparseLayerAttention>> sparse_attention_from(const CliArgs& args,
                                                                    Model& model) {
  if (args.has("config") && args.has("preset")) {
    return Error{"give --config or --preset, not both"};
  }
  auto identity_read = model_identity(model);
  if (!identity_read) return identity_read.error();
  const ModelIdentity& identity = *identity_read;
  SparseConfig config;
  if (args.has("config")) {
    auto read = read_config(args.get("config"));
    if (!read) return read.error();
    if (Status matches = check_config_matches(*read, identity, args.get("config")); !matches) {
      return matches.error();
    }
    config = std::move(*read);
  } else if (args.has("preset")) {
    auto preset = preset_config(args.get("preset"), identity);
    if (!preset) return preset.error();
    config = std::move(*preset);
  } else {
    return std::unique_ptr<SparseLayerAttention>();
  }
  return std::make_unique<SparseLayerAttention>(std::move(config), &model.dense_attention());
}

std::string sparse_attention_label(const CliArgs& args) {
  if (args.has("config")) return "config " + args.get("config");
  if (args.has("preset")) return "preset " + args.get("preset");
  return "";
}

}  // namespace afbs::cli
