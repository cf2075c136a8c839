// afbs-bench: the benchmarks of BENCHMARKS.md, each a subcommand writing JSON and Markdown
// into bench/results/.
#include <cstdio>
#include <string>
#include <vector>

#include "app/bench/commands.h"
#include "core/common/version.h"

namespace {

void print_help() {
  std::printf("afbs-bench %s: benchmarks\n\nusage: afbs-bench <command> [options]\n\ncommands:\n",
              afbs::kVersion);
  for (const auto& command : afbs::bench::all_commands()) {
    std::printf("  %-12s %s\n", command.name, command.summary);
  }
  std::printf("\n'afbs-bench <command> --help' shows a command's options.\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("afbs-bench %s\n", afbs::kVersion);
    return 0;
  }
  std::string command_line = "afbs-bench";
  for (const auto& word : args)
    command_line += " " + word;
  for (const auto& command : afbs::bench::all_commands()) {
    if (args[0] != command.name) continue;
    std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const auto& word : rest) {
      if (word == "--help" || word == "-h") {
        std::printf("usage: afbs-bench %s\n\n%s\n", command.usage, command.summary);
        return 0;
      }
    }
    return command.run(rest, command_line);
  }
  return afbs::bench::fail("unknown command '" + args[0] + "' (see afbs-bench --help)");
}
