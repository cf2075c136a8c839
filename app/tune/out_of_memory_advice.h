#pragma once

// What afbs-tune says after a run ran out of device (or host) memory: which settings to lower,
// in its own option names, with the values in force (docs/reliability.md, "Out of memory").

#include <cstdint>
#include <string>
#include <vector>

namespace afbs::cli {

// The settings of a `tune` run that decide how much memory it needs.
struct TuneMemorySettings {
  std::vector<int> fidelities;  // the ladder in force, ascending (empty: not known yet)
  int tune_windows = 0;
  int validation_windows = 0;
  int guard_windows = 0;
  bool stream_layers = true;   // --capture stream
  std::string dtype;           // what the model runs in (f32, bf16, f16); empty: not known
  std::string journal;         // --journal (empty: none)
  std::string resume_command;  // the same command with --resume
};

std::string tune_memory_advice(const TuneMemorySettings& settings);

// `perplexity`: windows of `length_tokens`, `batch_tokens` of them per forward.
std::string perplexity_memory_advice(int64_t length_tokens, int64_t batch_tokens,
                                     const std::string& dtype);

// The dtype a model given `dtype_option` (--dtype) runs in on `device`, when that is known
// without loading it: the option itself, or f32 on the CPU; empty otherwise.
std::string dtype_in_use(const std::string& dtype_option, const std::string& device);

}  // namespace afbs::cli
