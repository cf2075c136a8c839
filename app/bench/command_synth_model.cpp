// afbs-bench synth-model: a random-weight checkpoint of a real model's shape (B5's inputs), so
// anyone can reproduce the scale figures without downloading weights.
#include <chrono>
#include <cstdio>

#include "app/bench/commands.h"
#include "app/tune/cli_args.h"
#include "app/tune/model_options.h"
#include "core/model/synthetic_checkpoint.h"

namespace afbs::bench {

int run_synth_model(const std::vector<std::string>& argv, const std::string&) {
  auto args = cli::CliArgs::parse(
      argv,
      {"shape", "out", "layers", "context", "seed", "heads", "kv-heads", "head-dim", "device"}, {});
  if (!args) return fail_usage(args.error().message);
  if (!args->has("out")) return fail("synth-model: --out DIR is required");
  auto shape = synthetic_shape(args->get("shape", "llama2-7b"));
  if (!shape) return fail(shape.error().message);
  auto layers = args->get_int("layers", shape->layers);
  auto context = args->get_int("context", shape->context);
  auto seed = args->get_int("seed", 0);
  auto heads = args->get_int("heads", shape->heads);
  auto kv_heads = args->get_int("kv-heads", args->has("heads") ? *heads : shape->kv_heads);
  auto head_dim = args->get_int("head-dim", shape->head_dim);
  for (const auto* value : {&layers, &context, &seed, &heads, &kv_heads, &head_dim}) {
    if (!*value) return fail(value->error().message);
  }
  if (*layers < 1 || *layers > 1000) return fail("--layers must lie in [1, 1000]");
  if (*context < 64 || *context > (int64_t{1} << 22))
    return fail("--context must lie in [64, 4194304]");
  if (*heads < 1 || *heads > 1024) return fail("--heads must lie in [1, 1024]");
  if (*kv_heads < 1 || *heads % *kv_heads != 0)
    return fail("--kv-heads must divide --heads (" + std::to_string(*heads) + ")");
  if (*head_dim < 8 || *head_dim > 512 || *head_dim % 8 != 0)
    return fail("--head-dim must be a multiple of 8 in [8, 512]");
  shape->layers = *layers;
  shape->context = *context;
  if (*heads != shape->heads || *kv_heads != shape->kv_heads || *head_dim != shape->head_dim) {
    // Another attention shape on the named shape's MLP: the hidden size follows the heads.
    shape->name += "-custom";
    shape->heads = *heads;
    shape->kv_heads = *kv_heads;
    shape->head_dim = *head_dim;
    shape->hidden = *heads * *head_dim;
  }
  auto demo = cli::resolve_model_dir(*args);  // no positional: the bundled demo model
  if (!demo) return fail(demo.error().message);
  const auto tokenizer = *demo / "tokenizer.model";
  const auto started = std::chrono::steady_clock::now();
  Status written = write_synthetic_checkpoint(
      *shape, args->get("out", ""), tokenizer, static_cast<uint64_t>(*seed),
      [](const SyntheticProgress& p) {
        std::fprintf(stderr, "\rsynth-model: shard %lld/%lld, %.1f GB   ",
                     static_cast<long long>(p.shards_done), static_cast<long long>(p.shards_total),
                     static_cast<double>(p.bytes_written) / 1e9);
      },
      args->get("device", "cpu"));
  std::fprintf(stderr, "\n");
  if (!written) return fail(written.error().message);
  std::printf("wrote %s (%s, %lld layers, context %lld) in %.1f s\n", args->get("out", "").c_str(),
              shape->name.c_str(), static_cast<long long>(shape->layers),
              static_cast<long long>(shape->context),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return 0;
}

}  // namespace afbs::bench
