// afbs-tune: the workbench without windows.
#include <string>
#include <vector>

#include "app/tune/commands.h"
#include "app/tune/subcommands.h"

int main(int argc, char** argv) {
  std::vector<afbs::cli::Subcommand> commands;
  for (const auto& command : afbs::cli::all_commands()) {
    commands.push_back({command.name, command.summary, command.usage,
                        [run = command.run](const std::vector<std::string>& args,
                                            const std::string&) { return run(args); },
                        command.options});
  }
  const afbs::cli::ProgramText program{
      "afbs-tune", "tune sparse-attention thresholds per layer and head (AFBS-BO)",
      "Without MODEL_DIR, commands use the bundled demo model.\n"
      "'afbs-tune <command> --help' shows a command's options.\n"
      "Options: --help, --version\n"};
  return afbs::cli::run_subcommands(program, commands, argc, argv);
}
