#include "app/bench/commands.h"

#include <cstdio>

#include "app/tune/subcommands.h"

namespace afbs::bench {

int run_optimiser(const std::vector<std::string>& args, const std::string& command_line);
int run_attention(const std::vector<std::string>& args, const std::string& command_line);
int run_forward(const std::vector<std::string>& args, const std::string& command_line);
int run_tuning(const std::vector<std::string>& args, const std::string& command_line);
int run_synth_model(const std::vector<std::string>& args, const std::string& command_line);
int run_frontier(const std::vector<std::string>& args, const std::string& command_line);
int run_capture(const std::vector<std::string>& args, const std::string& command_line);

int fail(const std::string& message) {
  std::fprintf(stderr, "afbs-bench: %s\n", message.c_str());
  return cli::kBadInputExitCode;
}

int fail_usage(const std::string& message) {
  fail(message);
  return cli::kUsageExitCode;
}

const std::vector<Command>& all_commands() {
  static const std::vector<Command> commands = {
      {"optimiser", "time the Bayesian optimiser per ask() and measure its regret",
       "optimiser [--seeds N] [--repetitions R] [--out DIR]", run_optimiser},
      {"attention",
       "sparse-attention evaluator throughput: cached vs recomputed (CPU), or our CUDA kernels "
       "vs the ATen path (--device cuda)",
       "attention [--lengths 1024,4096] [--calls C] [--repetitions R] [--threads N] [--out DIR]\n"
       "       [--device cpu|cuda[:i]] [--heads 8] [--kv-heads 2] [--head-dim 64]",
       run_attention},
      {"forward", "tokens/s and peak memory of the model forward pass; logits dump for parity",
       "forward (MODEL_DIR | --config CONFIG.json) [--tokens N] [--batch B] [--device D] "
       "[--dtype T] [--threads N] [--repeat R] [--warmup W] [--token-file F --dump-logits OUT.npy]",
       run_forward},
      {"tuning",
       "B1: AFBS-BO vs grid, random and static presets on one model (evaluations, time, "
       "sparsity)",
       "tuning [MODEL_DIR] [--fidelities 256,512,1024] [--tune-windows N] "
       "[--validation-windows N] [--seed S] [--methods afbs-bo,grid,random] "
       "[--statics sparge-default,topk:0.5,window:equal] [--layers L] [--threads N] "
       "[--device D] [--evaluator-device D] [--evaluator-path kernels|aten] [--dtype T] "
       "[--blocks 64x64|128x64|64x128] [--out DIR]",
       run_tuning},
      {"synth-model",
       "B5's inputs: a random-weight checkpoint of a real shape (llama2-7b, llama3-8b with GQA "
       "8, llama2-13b, tiny-gqa) with the demo tokenizer, one shard per layer",
       "synth-model --out DIR [--shape llama2-7b] [--layers N] [--context N] [--seed S]\n"
       "            [--heads H] [--kv-heads K] [--head-dim D]  (hidden = H x D)\n"
       "            [--device cpu|cuda]  (cuda: the weights drawn on the GPU, several times\n"
       "            faster; other values than the CPU's for the same seed)",
       run_synth_model},
      {"frontier",
       "B6: mean sparsity against perplexity rise for AFBS-BO at several perplexity budgets, "
       "uniform-eps AFBS-BO, grid, random, top-k and sliding-window sweeps (one session)",
       "frontier [MODEL_DIR] [--fidelities 256,512,1024] [--layers L] "
       "[--budgets 0.1%,0.5%,1%,2%] [--uniform-l1 0.025,0.05,0.1,0.2] [--grid-l1 0.05] "
       "[--random-l1 0.05] [--topk 0.8,0.7,0.6,0.5,0.4,0.3] "
       "[--window-sparsities 0.2,0.3,0.4,0.5,0.6,0.7] [--held-out-windows 4] [--guard-windows 0] "
       "[--price-allocation] [--allocations equal,price,sensitivity (equal)] "
       "[--sensitivity-multipliers 1,2,4] [--sensitivity-topk F,... (none)] "
       "[--sensitivity-window-sparsities 0.5,0.6,0.7,0.75,0.8,0.85,0.9,0.95] "
       "[--tune-windows N] [--validation-windows N] [--seed S] [--text FILE] [--threads N] "
       "[--device D] [--dtype T] [--blocks 64x64|128x64|64x128] [--out DIR "
       "(bench/results/frontier)]",
       run_frontier},
      {"capture",
       "B2's real-capture row: one layer's post-RoPE Q, K, V on windows of a text, as .npy "
       "files for tools/kernels/bench_kernels.py --capture",
       "capture [MODEL_DIR] --layer L --out DIR [--length N (the model's context)] "
       "[--windows B (1)] [--text FILE] [--device D] [--dtype T] [--threads N]",
       run_capture},
  };
  return commands;
}

}  // namespace afbs::bench
