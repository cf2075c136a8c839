// afbs-bench: the benchmarks of BENCHMARKS.md, each a subcommand writing JSON and Markdown
// into bench/results/.
#include <vector>

#include "app/bench/commands.h"
#include "app/tune/subcommands.h"

int main(int argc, char** argv) {
  std::vector<afbs::cli::Subcommand> commands;
  for (const auto& command : afbs::bench::all_commands())
    commands.push_back({command.name, command.summary, command.usage, command.run});
  const afbs::cli::ProgramText program{
      "afbs-bench", "benchmarks", "'afbs-bench <command> --help' shows a command's options.\n"};
  return afbs::cli::run_subcommands(program, commands, argc, argv);
}
