// afbs-tune: the workbench without windows.
#include <cstdio>
#include <string>
#include <vector>

#include "app/tune/commands.h"
#include "core/common/version.h"

namespace {

void print_help() {
  std::printf(
      "afbs-tune %s: tune sparse-attention thresholds per layer and head (AFBS-BO)\n\n"
      "usage: afbs-tune <command> [options]\n\ncommands:\n",
      afbs::kVersion);
  for (const auto& command : afbs::cli::all_commands()) {
    std::printf("  %-12s %s\n", command.name, command.summary);
  }
  std::printf(
      "\nWithout MODEL_DIR, commands use the bundled demo model.\n"
      "'afbs-tune <command> --help' shows a command's options.\n"
      "Options: --help, --version\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("afbs-tune %s\n", afbs::kVersion);
    return 0;
  }
  for (const auto& command : afbs::cli::all_commands()) {
    if (args[0] != command.name) continue;
    std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const auto& word : rest) {
      if (word == "--help" || word == "-h") {
        std::printf("usage: afbs-tune %s\n\n%s\n", command.usage, command.summary);
        return 0;
      }
    }
    return command.run(rest);
  }
  return afbs::cli::fail("unknown command '" + args[0] + "' (see afbs-tune --help)");
}
