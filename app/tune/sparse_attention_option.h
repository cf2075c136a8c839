#pragma once

// --config CFG | --preset P: the sparse attention a model-running command applies
// (DESIGN.md §9). Presets: dense, sparge-default, topk:F, window:W.

#include <memory>
#include <set>
#include <string>

#include "app/tune/cli_args.h"
#include "core/attention/sparse_config.h"
#include "core/attention/sparse_layer_attention.h"
#include "core/common/result.h"
#include "core/model/model.h"

namespace afbs::cli {

// `value_options` plus config and preset.
std::set<std::string> with_sparse_options(std::set<std::string> value_options);

// The loaded model's identity (shape and fingerprint, as `tune` and `check` record it), to
// check a config against.
Result<ModelIdentity> model_identity(const Model& model);

// The attention --config or --preset asks for, or nullptr when neither is given. A config
// for another model, a bad file or an unknown preset is an error naming it.
Result<std::unique_ptr<SparseLayerAttention>> sparse_attention_from(const CliArgs& args,
                                                                    Model& model);

// "config FILE", "preset P", or "" when neither is given: for reports.
std::string sparse_attention_label(const CliArgs& args);

}  // namespace afbs::cli
