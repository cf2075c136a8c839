#include "app/tune/commands.h"

#include <cstdio>

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
  return 1;
}

const std::vector<Command>& all_commands() {
  static const std::vector<Command> commands = {
      {"demo", "a few minutes on the CPU: describe, tune and measure the demo model",
       "demo [--seed S] [--threads N] [--out CFG]", run_demo},
      {"info", "describe a model folder (architecture, heads, parameters, tokenizer)",
       "info [MODEL_DIR] [--json]", run_info},
      {"perplexity", "perplexity of a text under a model (DESIGN.md section 9)",
       "perplexity [MODEL_DIR] [--text FILE] [--length N] [--max-windows W] [--bos] "
       "[--config CFG | --preset dense|sparge-default|topk:F|window:W] "
       "[--device cpu|cuda[:i]] [--dtype f32|bf16|f16] [--threads N] [--compare-dense] [--json]\n"
       "       with a sparse config on a GPU (or --compare-dense) the same windows also run dense\n"
       "       and both tokens/s are printed; on CUDA the sparse attention runs our kernels",
       run_perplexity},
      {"tune",
       "tune every head's thresholds and write a config (AFBS-BO, grid or random), or measure a "
       "static preset (--method static --preset P)",
       "tune [MODEL_DIR] --out CFG [--method afbs-bo|grid|random|static [--preset P]] [--l1 E1]\n"
       "       [--pv-l1 E2]"
       " [--fidelities N1,N2,...] [--layers A-B] [--pins CFG] [--journal FILE] [--resume]\n"
       "       [--seed S] [--text FILE] [--tune-windows N] [--validation-windows N] [--bos]\n"
       "       [--csv EVALUATIONS.csv] [--no-guard | --perplexity-budget P [--price-allocation]]\n"
       "       [--device ...] [--dtype ...] [--threads N] [--json]\n"
       "  --perplexity-budget P  (afbs-bo; P as 1% or 0.01) the most sparsity whose perplexity\n"
       "       rise on the calibration windows stays within P: the error targets scaled by\n"
       "       one multiplier found by measuring perplexity (docs/engine.md)\n"
       "  --price-allocation  the budget also tries each head's τ chosen by a price on error\n"
       "       (sparsity - p error over its measured points, p searched the same way)\n"
       "  --guard-windows N  the guard and the budget also measure N more windows of n_F\n"
       "       after the calibration windows (default 0)",
       run_tune},
      {"check", "check a config file, and that it fits the model", "check CFG [MODEL_DIR] [--json]",
       run_check},
      {"export", "export a config for SpargeAttn (.pt) or as a per-head CSV table",
       "export CFG (--spargeattn OUT.pt | --csv OUT.csv)", run_export},
      {"import", "import a SpargeAttn .pt file as a native config",
       "import IN.pt [MODEL_DIR] --out CFG", run_import},
  };
  return commands;
}

}  // namespace afbs::cli
