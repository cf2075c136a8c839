#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace afbs::cli {

// A command line split into positionals, `--name value` options and `--switch` flags.
// Only names the command declares are accepted, so a typo is an error, not ignored.
class CliArgs {
 public:
  static Result<CliArgs> parse(const std::vector<std::string>& argv,
                               const std::set<std::string>& value_options,
                               const std::set<std::string>& switches);

  const std::vector<std::string>& positionals() const { return positionals_; }
  bool has(const std::string& name) const;
  std::string get(const std::string& name, const std::string& fallback = "") const;
  // Integer / real option; an error names the option when the text is not a number.
  Result<long long> get_int(const std::string& name, long long fallback) const;
  Result<double> get_double(const std::string& name, double fallback) const;

 private:
  std::vector<std::string> positionals_;
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
};

}  // namespace afbs::cli
