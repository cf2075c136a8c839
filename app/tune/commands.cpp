#include "app/tune/commands.h"

#include <cstdio>

namespace afbs::cli {

int run_demo(const std::vector<std::string>& args);

int fail(const std::string& message) {
  std::fprintf(stderr, "afbs-tune: %s\n", message.c_str());
  return 1;
}

const std::vector<Command>& all_commands() {
  static const std::vector<Command> commands = {
      {"demo", "run a short headless demonstration of the optimiser", "demo [--seed S]", run_demo},
  };
  return commands;
}

}  // namespace afbs::cli
