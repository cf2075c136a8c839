#include "app/tune/subcommands.h"

#include <cstdio>
#include <exception>
#include <new>

#include "core/common/version.h"

namespace afbs::cli {
namespace {

void print_help(const ProgramText& program, const std::vector<Subcommand>& commands) {
  std::printf("%s %s: %s\n\nusage: %s <command> [options]\n\ncommands:\n", program.name.c_str(),
              kVersion, program.banner.c_str(), program.name.c_str());
  for (const Subcommand& command : commands)
    std::printf("  %-12s %s\n", command.name.c_str(), command.summary.c_str());
  std::printf("\n%s%s", program.footer.c_str(), kExitCodesHelp);
}

}  // namespace

int run_subcommands(const ProgramText& program, const std::vector<Subcommand>& commands, int argc,
                    char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help(program, commands);
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::printf("%s %s\n", program.name.c_str(), kVersion);
    return 0;
  }
  std::string command_line = program.name;
  for (const std::string& word : args)
    command_line += " " + word;
  for (const Subcommand& command : commands) {
    if (args[0] != command.name) continue;
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const std::string& word : rest) {
      if (word == "--help" || word == "-h") {
        std::printf("usage: %s %s\n\n%s\n", program.name.c_str(), command.usage.c_str(),
                    command.summary.c_str());
        if (!command.options.empty()) std::printf("\noptions:\n%s", command.options.c_str());
        std::printf("\n%s", kExitCodesHelp);
        return 0;
      }
    }
    // The one top-level handler: whatever escapes a command (a bad_alloc, a library's
    // exception) becomes one line and an exit code, never an abort.
    try {
      return command.run(rest, command_line);
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "%s %s: out of memory\n", program.name.c_str(), command.name.c_str());
    } catch (const std::exception& error) {
      std::fprintf(stderr, "%s %s: unexpected error: %s\n", program.name.c_str(),
                   command.name.c_str(), error.what());
    } catch (...) {
      std::fprintf(stderr, "%s %s: unexpected error\n", program.name.c_str(), command.name.c_str());
    }
    return kUnexpectedErrorExitCode;
  }
  std::fprintf(stderr, "%s: unknown command '%s' (see %s --help)\n", program.name.c_str(),
               args[0].c_str(), program.name.c_str());
  return kUsageExitCode;
}

}  // namespace afbs::cli
