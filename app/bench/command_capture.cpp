// afbs-bench capture: one layer's post-RoPE Q, K and V on consecutive windows of a text, as
// .npy files, so tools/kernels/bench_kernels.py --capture times our kernels on the masks a
// tuned config gives on real attention (B2's last row).
//
//   afbs-bench capture [MODEL_DIR] --layer L --out DIR [--length N] [--windows B]
//       [--text FILE] [--device D] [--dtype T] [--threads N]
// Writes DIR/q.npy [B·Hq, N, D], DIR/k.npy and DIR/v.npy [B·Hkv, N, D] (float32; window b's
// heads first, as our kernels fold a batch) and DIR/capture.json (what was captured).
#include <ATen/ATen.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/bench/commands.h"
#include "app/bench/npy_file.h"
#include "app/bench/result_files.h"
#include "app/tune/model_options.h"
#include "core/common/atomic_file.h"
#include "core/model/capture_attention.h"
#include "core/session/model_identity.h"
#include "core/tokenizer/tokenizer.h"

namespace afbs::bench {

int run_capture(const std::vector<std::string>& argv, const std::string& command_line) {
  auto args = cli::CliArgs::parse(
      argv, cli::with_model_options({"layer", "out", "length", "windows", "text"}), {});
  if (!args) return fail_usage(args.error().message);
  if (!args->has("layer") || !args->has("out")) return fail_usage("--layer and --out are needed");
  if (auto threads = cli::apply_thread_option(*args); !threads)
    return fail(threads.error().message);
  auto dir = cli::resolve_model_dir(*args);
  if (!dir) return fail(dir.error().message);
  auto model = Model::load(*dir, cli::model_options_from(*args));
  if (!model) return fail(model.error().message);
  const ModelConfig& config = (*model)->config();
  auto layer = args->get_int("layer", 0);
  auto length = args->get_int("length", config.max_position_embeddings);
  auto windows = args->get_int("windows", 1);
  for (const auto* value : {&layer, &length, &windows}) {
    if (!*value) return fail(value->error().message);
  }
  if (*layer < 0 || *layer >= config.num_layers) {
    return fail("--layer " + std::to_string(*layer) + ": the model has layers 0-" +
                std::to_string(config.num_layers - 1));
  }
  if (*length < 1 || *length > config.max_position_embeddings) {
    return fail("--length must be 1-" + std::to_string(config.max_position_embeddings));
  }
  if (*windows < 1 || *windows > 4096) return fail("--windows must be 1-4096");
  const std::string text_path =
      args->get("text", cli::default_data_file("kjv-validation.txt").string());
  auto text = read_file_bytes(text_path);
  if (!text) return fail(text.error().message + " (name a text with --text FILE)");
  auto tokenizer = load_tokenizer(*dir);
  if (!tokenizer) return fail(tokenizer.error().message);
  const std::vector<int32_t> ids = (*tokenizer)->encode(*text);
  const int64_t wanted = *length * *windows;
  if (static_cast<int64_t>(ids.size()) < wanted) {
    return fail(text_path + ": " + std::to_string(ids.size()) + " tokens, " +
                std::to_string(wanted) + " needed for " + std::to_string(*windows) +
                " windows of " + std::to_string(*length));
  }
  // Everything the run writes is checked before the forward (DESIGN: fail early).
  const std::filesystem::path out = args->get("out");
  std::error_code made;
  std::filesystem::create_directories(out, made);
  if (made) return fail(out.string() + ": " + made.message());
  if (Status writable = check_writable(out / "capture.json"); !writable)
    return fail(writable.error().message);
  auto identity = identify_model(*dir, config);
  if (!identity) return fail(identity.error().message);

  at::Tensor tokens =
      at::tensor(at::IntArrayRef(std::vector<int64_t>(ids.begin(), ids.begin() + wanted)),
                 at::kLong)
          .view({*windows, *length});
  CaptureAttention capture(static_cast<int>(config.num_layers));
  capture.keep_only({static_cast<int>(*layer)});
  if (auto logits = (*model)->forward(tokens, &capture); !logits)
    return fail(logits.error().message);
  const LayerQkv& qkv = capture.layers()[static_cast<size_t>(*layer)];
  // [B, H, N, D] → [B·H, N, D]: window b's heads are heads b·H … b·H + H − 1.
  auto heads_first = [](const at::Tensor& t) { return t.flatten(0, 1); };
  for (const auto& [name, tensor] :
       {std::pair{"q.npy", &qkv.q}, {"k.npy", &qkv.k}, {"v.npy", &qkv.v}}) {
    if (Status written = write_npy((out / name).string(), heads_first(*tensor)); !written)
      return fail(written.error().message);
  }
  const RunProvenance run = describe_run(command_line);
  nlohmann::ordered_json meta = {{"model", dir->string()},
                                 {"fingerprint", identity->fingerprint},
                                 {"layer", *layer},
                                 {"length", *length},
                                 {"windows", *windows},
                                 {"text", text_path},
                                 {"query_heads", config.num_heads},
                                 {"kv_heads", config.num_kv_heads},
                                 {"head_dim", config.head_dim},
                                 {"commit", run.commit},
                                 {"date_utc", run.date_utc},
                                 {"command", run.command}};
  if (Status written = write_file_atomically((out / "capture.json").string(), meta.dump(1) + "\n");
      !written) {
    return fail(written.error().message);
  }
  std::printf("%s\n", meta.dump().c_str());
  return 0;
}

}  // namespace afbs::bench
