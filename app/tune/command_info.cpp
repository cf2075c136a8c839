// afbs-tune info: what a model folder holds, read from config.json and the safetensors
// headers (no weight is loaded).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/tune/commands.h"
#include "app/tune/model_options.h"
#include "core/model/model_config.h"
#include "core/model/safetensors_checkpoint.h"
#include "core/tokenizer/tokenizer.h"

namespace afbs::cli {
namespace {

const char* rope_name(RopeScaling::Type type) {
  switch (type) {
    case RopeScaling::Type::Linear:
      return "linear";
    case RopeScaling::Type::Llama3:
      return "llama3";
    default:
      return "none";
  }
}

}  // namespace

int run_info(const std::vector<std::string>& argv) {
  auto args = CliArgs::parse(argv, {}, {"json"});
  if (!args) return fail_usage(args.error().message);
  auto dir = resolve_model_dir(*args);
  if (!dir) return fail(dir.error().message);
  auto config = load_model_config(*dir);
  if (!config) return fail(config.error().message);
  auto checkpoint = SafetensorsCheckpoint::open(*dir);
  if (!checkpoint) return fail(checkpoint.error().message);
  if (auto valid = checkpoint->validate(*config); !valid) return fail(valid.error().message);
  auto tokenizer = load_tokenizer(*dir);
  const std::string tokenizer_kind = tokenizer ? (*tokenizer)->kind() : "none";

  const ModelConfig& c = *config;
  nlohmann::ordered_json info = {{"model", dir->string()},
                                 {"architecture", c.architecture},
                                 {"layers", c.num_layers},
                                 {"heads", c.num_heads},
                                 {"kv_heads", c.num_kv_heads},
                                 {"head_dim", c.head_dim},
                                 {"hidden_size", c.hidden_size},
                                 {"intermediate_size", c.intermediate_size},
                                 {"vocab_size", c.vocab_size},
                                 {"context", c.max_position_embeddings},
                                 {"parameters", parameter_count(c)},
                                 {"dtype", checkpoint->stored_dtype()},
                                 {"tokenizer", tokenizer_kind},
                                 {"rope_theta", c.rope_theta},
                                 {"rope_scaling", rope_name(c.rope_scaling.type)},
                                 {"tied_embeddings", c.tie_word_embeddings},
                                 {"qkv_bias", c.qkv_bias},
                                 {"files", checkpoint->files().size()}};
  if (args->has("json")) {
    std::printf("%s\n", info.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("model         %s\n", dir->string().c_str());
  std::printf("architecture  %s\n", c.architecture.c_str());
  std::printf("layers        %lld\n", static_cast<long long>(c.num_layers));
  std::printf("heads         %lld (KV heads %lld, head size %lld)\n",
              static_cast<long long>(c.num_heads), static_cast<long long>(c.num_kv_heads),
              static_cast<long long>(c.head_dim));
  std::printf("hidden size   %lld (MLP %lld)\n", static_cast<long long>(c.hidden_size),
              static_cast<long long>(c.intermediate_size));
  std::printf("vocabulary    %lld\n", static_cast<long long>(c.vocab_size));
  std::printf("context       %lld tokens\n", static_cast<long long>(c.max_position_embeddings));
  std::printf("parameters    %.3f M\n", static_cast<double>(parameter_count(c)) / 1e6);
  std::printf("dtype         %s\n", checkpoint->stored_dtype().c_str());
  std::printf("rope          theta %g, scaling %s\n", c.rope_theta, rope_name(c.rope_scaling.type));
  std::printf("tokenizer     %s%s\n", tokenizer_kind.c_str(),
              tokenizer ? "" : (" (" + tokenizer.error().message + ")").c_str());
  return 0;
}

}  // namespace afbs::cli
