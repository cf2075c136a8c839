#include "app/tune/out_of_memory_advice.h"

#include <algorithm>

namespace afbs::cli {
namespace {

// ", or load the model with --dtype bf16" where that halves its memory.
std::string dtype_advice(const std::string& dtype) {
  if (dtype == "f32") return ", or load the model with --dtype bf16";
  if (dtype.empty()) return ", or load the model with --dtype bf16 if it runs in f32";
  return "";
}

}  // namespace

std::string dtype_in_use(const std::string& dtype_option, const std::string& device) {
  if (dtype_option == "f32" || dtype_option == "fp32" || dtype_option == "float32") return "f32";
  if (!dtype_option.empty()) return dtype_option;
  return device == "cpu" ? "f32" : "";
}

std::string tune_memory_advice(const TuneMemorySettings& s) {
  // Peak memory grows with n_F (captures linearly, attention and its reference output with
  // n_F squared) and with the windows captured; --layers does not change it: streaming holds
  // one layer's captures whichever layers are tuned.
  std::string text = "out of memory: to fit, lower the longest of --fidelities";
  if (!s.fidelities.empty()) text += " (now " + std::to_string(s.fidelities.back()) + ")";
  text += ", capture fewer windows (--tune-windows " + std::to_string(s.tune_windows) +
          ", --validation-windows " + std::to_string(s.validation_windows) + ", --guard-windows " +
          std::to_string(s.guard_windows) + " now)";
  text += dtype_advice(s.dtype);
  if (!s.stream_layers) text += "; --capture stream holds one layer's Q/K/V instead of all";
  text += ".";
  if (s.journal.empty()) return text;
  text += "\nThe journal " + s.journal +
          " is whole up to the last finished call. To go on with the same settings once memory "
          "is free (another process may hold the device's), resume with:\n  " +
          s.resume_command +
          "\n(a lower --fidelities or fewer windows is another run: give it a new journal)";
  return text;
}

std::string perplexity_memory_advice(int64_t length_tokens, int64_t batch_tokens,
                                     const std::string& dtype) {
  const int64_t windows = std::max<int64_t>(1, batch_tokens / std::max<int64_t>(1, length_tokens));
  std::string text = "out of memory: to fit, lower --batch-tokens (now " +
                     std::to_string(batch_tokens) + ": " + std::to_string(windows) + " window" +
                     (windows == 1 ? "" : "s") + " per forward)";
  text += ", or --length (now " + std::to_string(length_tokens) +
          "; attention grows with its square)" + dtype_advice(dtype) + ".";
  return text;
}

}  // namespace afbs::cli
