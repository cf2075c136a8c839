#include "app/tune/commands.h"

#include <cstdio>

namespace afbs::cli {

int run_demo(const std::vector<std::string>& args);
int run_info(const std::vector<std::string>& args);
int run_perplexity(const std::vector<std::string>& args);

int fail(const std::string& message) {
  std::fprintf(stderr, "afbs-tune: %s\n", message.c_str());
  return 1;
}

const std::vector<Command>& all_commands() {
  static const std::vector<Command> commands = {
      {"demo", "run a short headless demonstration of the optimiser", "demo [--seed S]", run_demo},
      {"info", "describe a model folder (architecture, heads, parameters, tokenizer)",
       "info [MODEL_DIR] [--json]", run_info},
      {"perplexity", "perplexity of a text under a model (DESIGN.md section 9)",
       "perplexity [MODEL_DIR] [--text FILE] [--length N] [--max-windows W] [--bos] "
       "[--config CFG | --preset dense|sparge-default|topk:F|window:W] "
       "[--device cpu|cuda[:i]] [--dtype f32|bf16|f16] [--threads N] [--json]",
       run_perplexity},
  };
  return commands;
}

}  // namespace afbs::cli
