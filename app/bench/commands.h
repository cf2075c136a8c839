#pragma once

#include <string>
#include <vector>

namespace afbs::bench {

// One afbs-bench subcommand: `run` gets the words after the subcommand's name (and the whole
// command line, for the result files) and returns the process exit code.
struct Command {
  const char* name;
  const char* summary;
  const char* usage;
  int (*run)(const std::vector<std::string>& args, const std::string& command_line);
};

const std::vector<Command>& all_commands();

// Prints "afbs-bench: <message>" on stderr and returns the failure exit code.
int fail(const std::string& message);
// The same for a malformed command line (unknown option, missing value): exit code 2.
int fail_usage(const std::string& message);

}  // namespace afbs::bench
