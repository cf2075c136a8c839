#include "app/tune/cli_args.h"

#include <charconv>
#include <cstdlib>

namespace afbs::cli {

Result<CliArgs> CliArgs::parse(const std::vector<std::string>& argv,
                               const std::set<std::string>& value_options,
                               const std::set<std::string>& switches) {
  CliArgs args;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& word = argv[i];
    if (word.rfind("--", 0) != 0 || word == "--") {
      args.positionals_.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::string value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (switches.count(name)) {
      if (inline_value) return Error{"option --" + name + " takes no value"};
      args.switches_.insert(name);
    } else if (value_options.count(name)) {
      if (!inline_value) {
        if (i + 1 >= argv.size()) return Error{"option --" + name + " needs a value"};
        value = argv[++i];
      }
      args.values_[name] = value;
    } else {
      return Error{"unknown option --" + name + " (see --help)"};
    }
  }
  return args;
}

bool CliArgs::has(const std::string& name) const {
  return switches_.count(name) > 0 || values_.count(name) > 0;
}

std::string CliArgs::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

Result<long long> CliArgs::get_int(const std::string& name, long long fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  long long out = 0;
  const std::string& text = it->second;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Error{"option --" + name + " expects an integer, got '" + text + "'"};
  }
  return out;
}

Result<double> CliArgs::get_double(const std::string& name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& text = it->second;
  char* end = nullptr;
  double out = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) {
    return Error{"option --" + name + " expects a number, got '" + text + "'"};
  }
  return out;
}

}  // namespace afbs::cli
