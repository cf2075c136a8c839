#pragma once

#include <string>
#include <vector>

namespace afbs::cli {

// One afbs-tune subcommand: `run` gets the words after the subcommand's name and returns
// the process exit code (it prints its own one-line error on failure).
struct Command {
  const char* name;
  const char* summary;
  const char* usage;
  int (*run)(const std::vector<std::string>& args);
  const char* options = "";  // each option with its default, for `<command> --help`
};

const std::vector<Command>& all_commands();

// Prints "afbs-tune: <message>" on stderr and returns the failure exit code.
int fail(const std::string& message);
// The same for a malformed command line (unknown option, missing value): exit code 2.
int fail_usage(const std::string& message);

}  // namespace afbs::cli
