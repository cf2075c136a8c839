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
  std::string options = {};  // one line per option with its default, for `<command> --help`
};

struct ProgramText {
  std::string name;    // "afbs-tune"
  std::string banner;  // first help line, after "<name> <version>: "
  std::string footer;  // after the command list
};

// Exit codes of afbs-tune and afbs-bench (README "Exit codes"; each program's --help).
// kBadInputExitCode: a file, model or value is wrong, or a run failed (out of memory too).
inline constexpr int kBadInputExitCode = 1;
inline constexpr int kUsageExitCode = 2;             // unknown command or option, missing argument
inline constexpr int kUnexpectedErrorExitCode = 70;  // an exception escaped (EX_SOFTWARE)
inline constexpr int kInterruptedExitCode = 130;     // Ctrl-C (128 + SIGINT, as shells report)
inline constexpr const char* kExitCodesHelp =
    "Exit codes: 0 done, 1 bad input (the message names the file or setting) or a failed\n"
    "run, out of memory included (the message says what to lower), 2 usage, 70 unexpected\n"
    "error, 130 interrupted (Ctrl-C: a tune run's journal stays whole).\n";

// Runs the command argv names. No arguments: help and exit code 2; --help: help and 0;
// `<command> --help`: its usage, summary and options. An exception escaping the command is
// printed as one line and gives kUnexpectedErrorExitCode; an unknown command gives 2.
int run_subcommands(const ProgramText& program, const std::vector<Subcommand>& commands, int argc,
                    char** argv);

}  // namespace afbs::cli
