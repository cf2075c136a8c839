#include "app/bench/result_files.h"

#include "core/common/atomic_file.h"

#include <sched.h>
#include <array>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace afbs::bench {

namespace {

std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown CPU";
}

// Like nproc: the CPUs this process may run on.
int usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set);
}

std::string git_short_commit() {
  std::FILE* pipe = popen("git rev-parse --short HEAD 2>/dev/null", "r");
  if (!pipe) return "unknown";
  std::array<char, 64> buffer{};
  std::string output;
  while (std::fgets(buffer.data(), int(buffer.size()), pipe))
    output += buffer.data();
  pclose(pipe);
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r'))
    output.pop_back();
  return output.empty() ? "unknown" : output;
}

std::string load_average() {
  std::ifstream loadavg("/proc/loadavg");
  std::string one, five, fifteen;
  if (!(loadavg >> one >> five >> fifteen)) return "unknown";
  return one + " " + five + " " + fifteen;
}

}  // namespace

RunProvenance describe_run(const std::string& command_line) {
  RunProvenance provenance;
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
  provenance.date_utc = date;
  provenance.machine = cpu_model() + ", " + std::to_string(usable_cpus()) + " CPUs (nproc)";
  provenance.commit = git_short_commit();
  provenance.load_average = load_average();
  provenance.command = command_line;
  return provenance;
}

Status write_file_atomically(const std::string& path, const std::string& text) {
  std::error_code error;
  const std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), error);
  return afbs::write_file_atomically(target, text);
}

}  // namespace afbs::bench
