#pragma once

// The `program <command> [options]` front door that afbs-tune and afbs-bench share: help,
// version, per-command --help, and the error for an unknown command.

#include <functional>
#include <string>
#include <vector>

namespace afbs::cli {

struct Subcommand {
  std::string name;
  std::string summary;
  std::string usage;
  // Gets the words after the command's name and the whole command line (for result files).
  std::function<int(const std::vector<std::string>& args, const std::string& command_line)> run;
};

struct ProgramText {
  std::string name;    // "afbs-tune"
  std::string banner;  // first help line, after "<name> <version>: "
  std::string footer;  // after the command list
};

// The exit code of a command that an exception escaped (EX_SOFTWARE of sysexits.h).
inline constexpr int kUnexpectedErrorExitCode = 70;

// Runs the command argv names. No arguments: help and exit code 2; --help: help and 0. An
// exception escaping the command is printed as one line and gives kUnexpectedErrorExitCode.
int run_subcommands(const ProgramText& program, const std::vector<Subcommand>& commands, int argc,
                    char** argv);

}  // namespace afbs::cli
