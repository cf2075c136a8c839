#include "app/tune/commands.h"

#include <cstdio>

#include "app/tune/subcommands.h"

namespace afbs::cli {

int run_demo(const std::vector<std::string>& args);
int run_info(const std::vector<std::string>& args);
int run_perplexity(const std::vector<std::string>& args);
int run_tune(const std::vector<std::string>& args);
int run_check(const std::vector<std::string>& args);
int run_export(const std::vector<std::string>& args);
int run_import(const std::vector<std::string>& args);

int fail(const std::string& message) {
  std::fprintf(stderr, "afbs-tune: %s\n", message.c_str());
  return kBadInputExitCode;
}

int fail_usage(const std::string& message) {
  fail(message);
  return kUsageExitCode;
}

const std::vector<Command>& all_commands() {
  static const std::vector<Command> commands = {
      {"demo", "a few minutes on the CPU: describe, tune and measure the demo model",
       "demo [--seed S] [--threads N] [--out CFG]", run_demo,
       "  --seed S               the tuner's random seed (default 0)\n"
       "  --threads N            CPU threads (default 0: every core)\n"
       "  --out CFG              where the tuned config goes (default: afbs-demo-<pid>.json in\n"
       "                         the temporary directory)\n"},
      {"info", "describe a model folder (architecture, heads, parameters, tokenizer)",
       "info [MODEL_DIR] [--json]", run_info,
       "  MODEL_DIR              a Hugging Face model folder (default: the bundled demo model)\n"
       "  --json                 machine-readable output\n"},
      {"perplexity", "perplexity of a text under a model (DESIGN.md section 9)",
       "perplexity [MODEL_DIR] [--text FILE] [--length N] [--max-windows W] [--batch-tokens T] "
       "[--bos] "
       "[--config CFG | --preset dense|sparge-default|topk:F|window:W] "
       "[--device cpu|cuda[:i]] [--dtype f32|bf16|f16] [--threads N] [--compare-dense] [--quiet] "
       "[--json]\n"
       "       with a sparse config on a GPU (or --compare-dense) the same windows also run dense\n"
       "       and both tokens/s are printed; on CUDA the sparse attention runs our kernels",
       run_perplexity,
       "  MODEL_DIR              a Hugging Face model folder (default: the bundled demo model)\n"
       "  --device cpu|cuda[:i]  where the model runs (default cpu)\n"
       "  --dtype f32|bf16|f16   the weights' and activations' type (default: the checkpoint's\n"
       "                         on CUDA, f32 on the CPU)\n"
       "  --threads N            CPU threads for libtorch (default 0: every core)\n"
       "  --text FILE            the text (default: the bundled KJV validation text)\n"
       "  --length N             tokens per window (default min(2048, the model's context))\n"
       "  --max-windows W        at most W windows (default 0: the whole text)\n"
       "  --batch-tokens T       tokens per forward, T / N windows at once (default 32768 on\n"
       "                         CUDA; on the CPU one window per forward, the fastest there;\n"
       "                         lower it when the device runs out of memory)\n"
       "  --bos                  start each window with the BOS token (default: no)\n"
       "  --config CFG           sparse attention from a tuned config (default: dense)\n"
       "  --preset P             or a static preset: dense, sparge-default, topk:F, window:W\n"
       "  --compare-dense        also run the same windows dense and print both tokens/s\n"
       "                         (always on with a sparse config on a GPU)\n"
       "  --quiet                no progress on stderr (results and errors only)\n"
       "  --json                 machine-readable output\n"},
      {"tune",
       "tune every head's thresholds and write a config (AFBS-BO, grid or random), or measure a "
       "static preset (--method static --preset P)",
       "tune [MODEL_DIR] --out CFG [--method afbs-bo|grid|random|static [--preset P]] [--l1 E1]\n"
       "       [--pv-l1 E2]"
       " [--fidelities N1,N2,...] [--layers A-B] [--pins CFG] [--journal FILE] [--resume]\n"
       "       [--seed S] [--text FILE] [--tune-windows N] [--validation-windows N] [--bos]\n"
       "       [--csv EVALUATIONS.csv] [--no-guard | --perplexity-budget P [--price-allocation]\n"
       "       [--layer-sensitivity]]\n"
       "       [--device ...]"
       "       [--dtype ...] [--threads N] [--guard-windows N] [--capture stream|up-front]\n"
       "       [--optimiser-threads N] [--blocks QxK] [--quiet] [--json]",
       run_tune,
       "  MODEL_DIR              a Hugging Face model folder (default: the bundled demo model)\n"
       "  --device cpu|cuda[:i]  where the model runs (default cpu)\n"
       "  --dtype f32|bf16|f16   the weights' and activations' type (default: the checkpoint's\n"
       "                         on CUDA, f32 on the CPU)\n"
       "  --threads N            CPU threads for libtorch (default 0: every core)\n"
       "  --out CFG              where the config goes (required; written atomically at the\n"
       "                         end)\n"
       "  --method M             afbs-bo (default), grid, random, or static with --preset P\n"
       "  --preset P             for --method static: sparge-default, topk:F, window:W, dense\n"
       "  --l1 E1                per-head relative-L1 error target of the attention output,\n"
       "                         PV-skip off (default 0.05)\n"
       "  --pv-l1 E2             the same with PV-skip on, >= E1 (default 0.06)\n"
       "  --fidelities N1,N2,...\n"
       "                         the ladder of sequence lengths, multiples of 64 (default\n"
       "                         n_F/4, n_F/2, n_F, n_F = the largest multiple of 64 up to\n"
       "                         4096 that the model and text allow)\n"
       "  --layers A-B           the layers to tune, e.g. 0-3,7 (default: every layer)\n"
       "  --blocks QxK           the block shape tuned for and written: 64x64 (default),\n"
       "                         128x64 (the fastest on an H200) or 64x128\n"
       "  --pins CFG             heads pinned in CFG keep their values\n"
       "  --journal FILE         append every evaluation to FILE (default: no journal)\n"
       "  --resume               continue the run FILE journals (needs --journal)\n"
       "  --seed S               random seed (default 0)\n"
       "  --text FILE            calibration text (default: the bundled KJV validation text)\n"
       "  --tune-windows N       windows of n_F tokens tuned on (default 2)\n"
       "  --validation-windows N\n"
       "                         held-out windows every head must pass (default 2)\n"
       "  --bos                  start each window with the BOS token (default: no)\n"
       "  --csv FILE             also write every evaluation as CSV\n"
       "  --no-guard             skip the end-to-end perplexity guard (default: guard on)\n"
       "  --perplexity-budget P  (afbs-bo; P as 1% or 0.01) the most sparsity whose perplexity\n"
       "                         rise on the calibration windows stays within P: the error\n"
       "                         targets are scaled by one multiplier found by measuring\n"
       "                         perplexity (docs/engine.md; default: off, per-head targets\n"
       "                         only)\n"
       "  --price-allocation     with a budget, also try each head's τ chosen by a price on\n"
       "                         error (sparsity − p·error over its measured points, p\n"
       "                         searched the same way; default off)\n"
       "  --layer-sensitivity    with a budget, also measure each layer alone at a menu of\n"
       "                         settings (AFBS-BO at ε × 1, 2, 4; sliding windows of\n"
       "                         sparsity 0.5 to 0.95), one perplexity probe each, and\n"
       "                         pick one setting per layer by sparsity per measured rise\n"
       "                         (AFBS-BO settings, or windows of each layer's own width:\n"
       "                         a config holds one rule); the mix is measured and kept\n"
       "                         only within the budget; it replaces the per-layer\n"
       "                         refinement of equal targets (default off)\n"
       "  --guard-windows N      the guard and the budget also measure N more windows of n_F\n"
       "                         after the calibration windows (default 0)\n"
       "  --capture stream|up-front\n"
       "                         stream (default): each layer's Q/K/V captured when its tuning\n"
       "                         starts and freed after (memory of one layer); up-front: every\n"
       "                         layer of every window first (the reference, for comparisons)\n"
       "  --optimiser-threads N  resume the heads' searches (ask/tell, GP fits) on N threads\n"
       "                         between evaluator calls; calls and results are the same for\n"
       "                         any N (default: the cores, at most 8)\n"
       "  --quiet                no progress bar and no log lines on stderr (results and\n"
       "                         errors only)\n"
       "  --json                 the summary as JSON on stdout, with seconds per phase (load,\n"
       "                         capture, reference, predict, attend, optimiser, guard, I/O),\n"
       "                         peak host memory, and on CUDA peak device memory and the\n"
       "                         GPU's busy share (docs/accounting.md)\n"
       "Ctrl-C stops a run cleanly: with --journal the journal stays whole and the message\n"
       "says how to resume (exit code 130).\n"},
      {"check", "check a config file, and that it fits the model", "check CFG [MODEL_DIR] [--json]",
       run_check,
       "  CFG                    a native config (JSON)\n"
       "  MODEL_DIR              the model it must fit (default: the bundled demo model)\n"
       "  --json                 machine-readable output\n"},
      {"export", "export a config for SpargeAttn (.pt) or as a per-head CSV table",
       "export CFG (--spargeattn OUT.pt | --csv OUT.csv)", run_export,
       "  CFG                    a native config (JSON)\n"
       "  --spargeattn OUT.pt    SpargeAttn's file (torch.load(weights_only=True) reads it;\n"
       "                         cumulative rule only)\n"
       "  --csv OUT.csv          one row per head: layer, head, sparse, pinned, θ, τ, λ,\n"
       "                         sparsity, error\n"},
      {"import", "import a SpargeAttn .pt file as a native config",
       "import IN.pt [MODEL_DIR] --out CFG", run_import,
       "  IN.pt                  a file SpargeAttn's autotune saved (or `export --spargeattn`\n"
       "                         wrote); modules named otherwise than Llama's are taken in\n"
       "                         layer order\n"
       "  MODEL_DIR              the model it is for (default: the bundled demo model)\n"
       "  --out CFG              where the native config goes (required)\n"},
  };
  return commands;
}

}  // namespace afbs::cli
