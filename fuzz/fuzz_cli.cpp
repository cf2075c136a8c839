// Command lines: option parsing, integers and number lists / ranges.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "app/tune/cli_args.h"
#include "app/tune/number_lists.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)afbs::cli::parse_int_list(text, "--layers");
  std::vector<std::string> words;  // NUL-separated words
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\0') {
      words.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  auto args = afbs::cli::CliArgs::parse(words, {"layers", "fidelities", "threads", "l1"}, {"json"});
  if (args.ok()) {
    (void)args->get_int("threads", 0);
    (void)args->get_double("l1", 0.05);
    if (args->has("layers")) (void)afbs::cli::parse_int_list(args->get("layers"), "--layers");
  }
  return 0;
}
