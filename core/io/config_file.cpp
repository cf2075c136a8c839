#include "core/io/config_file.h"

#include "core/common/atomic_file.h"
#include "core/common/bounded_json.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <system_error>

namespace afbs {
namespace {

// A config of 1024 layers x 128 heads is about 20 MB.
constexpr uint64_t kMaxConfigBytes = 256u << 20;

using Json = nlohmann::ordered_json;

// Reads a required or optional member with a message naming the key and the file.
class JsonReader {
 public:
  JsonReader(const Json& object, std::string where) : object_(object), where_(std::move(where)) {}

  const std::string& where() const { return where_; }
  bool has(const char* key) const { return object_.is_object() && object_.contains(key); }

  Result<const Json*> member(const char* key, Json::value_t type) const {
    if (!object_.is_object() || !object_.contains(key)) {
      return Error{where_ + ": missing \"" + key + "\""};
    }
    const Json& value = object_.at(key);
    const bool number_wanted = type == Json::value_t::number_float;
    if (number_wanted ? !value.is_number() : value.type() != type) {
      return Error{where_ + ": \"" + key + "\" has the wrong type (" + value.type_name() + ")"};
    }
    return &value;
  }
  Result<double> number(const char* key) const {
    auto value = member(key, Json::value_t::number_float);
    if (!value) return value.error();
    const double number = (*value)->get<double>();
    if (!std::isfinite(number)) return Error{where_ + ": \"" + key + "\" is not finite"};
    return number;
  }
  Result<int64_t> integer(const char* key) const {
    auto value = number(key);
    if (!value) return value.error();
    if (*value != std::floor(*value)) return Error{where_ + ": \"" + key + "\" must be whole"};
    // Casting a double outside int64's range is undefined (the fuzzer found 8.9e48).
    if (std::fabs(*value) >= 9.2e18) return Error{where_ + ": \"" + key + "\" is out of range"};
    return static_cast<int64_t>(*value);
  }
  Result<std::string> text(const char* key) const {
    auto value = member(key, Json::value_t::string);
    if (!value) return value.error();
    return (*value)->get<std::string>();
  }
  Result<bool> flag(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    auto value = member(key, Json::value_t::boolean);
    if (!value) return value.error();
    return (*value)->get<bool>();
  }

 private:
  const Json& object_;
  std::string where_;
};

// Assigns the value of a Result to `target`, or returns its error from the function.
#define AFBS_TRY(target, expression)                      \
  do {                                                    \
    auto afbs_try_result = (expression);                  \
    if (!afbs_try_result) return afbs_try_result.error(); \
    target = std::move(*afbs_try_result);                 \
  } while (false)

// The selection's parameter key ("fraction", "tokens"), or nullptr for the cumulative rule.
const char* parameter_key(SelectionRule rule) {
  if (rule == SelectionRule::top_fraction) return "fraction";
  if (rule == SelectionRule::sliding_window) return "tokens";
  return nullptr;
}

Json selection_json(const SparseConfig& config) {
  Json selection = {{"rule", selection_rule_name(config.rule)}};
  if (const char* key = parameter_key(config.rule)) selection[key] = config.rule_parameter;
  return selection;
}

Result<TuningSummary> read_tuning(const JsonReader& in) {
  TuningSummary summary;
  if (in.has("method")) {
    AFBS_TRY(summary.method, in.text("method"));
  }
  if (in.has("l1_target")) {
    AFBS_TRY(summary.l1_target, in.number("l1_target"));
  }
  if (in.has("pv_l1_target")) {
    AFBS_TRY(summary.pv_l1_target, in.number("pv_l1_target"));
  }
  if (in.has("evaluations")) {
    AFBS_TRY(summary.evaluations, in.integer("evaluations"));
  }
  if (in.has("weighted_evaluations")) {
    AFBS_TRY(summary.weighted_evaluations, in.number("weighted_evaluations"));
  }
  if (in.has("seconds")) {
    AFBS_TRY(summary.seconds, in.number("seconds"));
  }
  if (in.has("fidelities")) {
    const Json* list = nullptr;
    AFBS_TRY(list, in.member("fidelities", Json::value_t::array));
    for (const Json& n : *list) {
      if (!n.is_number_integer()) return Error{in.where() + ": \"fidelities\" must hold integers"};
      // An unsigned literal above int64's range would wrap to a negative length.
      if (n.is_number_unsigned() && n.get<uint64_t>() > uint64_t{INT64_MAX}) {
        return Error{in.where() + ": \"fidelities\" holds a number out of range"};
      }
      summary.fidelities.push_back(n.get<int64_t>());
    }
  }
  return summary;
}

Result<HeadConfig> read_head(const JsonReader& in, SelectionRule rule) {
  HeadConfig head;
  AFBS_TRY(head.theta, in.number("theta"));
  AFBS_TRY(head.tau, in.number("tau"));
  AFBS_TRY(head.lambda, in.number("lambda"));
  AFBS_TRY(head.sparse, in.flag("sparse", true));
  AFBS_TRY(head.pinned, in.flag("pinned", false));
  if (in.has("sparsity")) {
    double sparsity = 0;
    AFBS_TRY(sparsity, in.number("sparsity"));
    head.sparsity = sparsity;
  }
  if (in.has("error")) {
    double error = 0;
    AFBS_TRY(error, in.number("error"));
    head.error = error;
  }
  for (const char* key : {"fraction", "tokens"}) {
    if (!in.has(key)) continue;
    if (parameter_key(rule) == nullptr || std::string(key) != parameter_key(rule)) {
      return Error{in.where() + ": \"" + key + "\" does not fit the selection rule " +
                   selection_rule_name(rule)};
    }
    double value = 0;
    AFBS_TRY(value, in.number(key));
    head.rule_parameter = value;
  }
  return head;
}

Result<SparseConfig> read_document(const Json& document, const std::string& source) {
  const JsonReader top(document, source);
  std::string format;
  AFBS_TRY(format, top.text("format"));
  if (format != kConfigFormat) {
    return Error{source + ": \"format\" is \"" + format + "\", expected \"" + kConfigFormat + "\""};
  }
  int64_t version = 0;
  AFBS_TRY(version, top.integer("version"));
  if (version != kConfigVersion) {
    return Error{source + ": config version " + std::to_string(version) +
                 " is not supported (this build reads version " + std::to_string(kConfigVersion) +
                 ")"};
  }
  SparseConfig config;
  const Json* model = nullptr;
  AFBS_TRY(model, top.member("model", Json::value_t::object));
  const JsonReader model_in(*model, source + ": model");
  AFBS_TRY(config.model.name, model_in.text("name"));
  if (model_in.has("fingerprint")) {
    AFBS_TRY(config.model.fingerprint, model_in.text("fingerprint"));
  }
  AFBS_TRY(config.model.layers, model_in.integer("layers"));
  AFBS_TRY(config.model.heads, model_in.integer("heads"));
  if (model_in.has("kv_heads")) {
    AFBS_TRY(config.model.kv_heads, model_in.integer("kv_heads"));
  }
  AFBS_TRY(config.model.head_dim, model_in.integer("head_dim"));

  const Json* blocks = nullptr;
  AFBS_TRY(blocks, top.member("blocks", Json::value_t::object));
  const JsonReader blocks_in(*blocks, source + ": blocks");
  AFBS_TRY(config.blocks.query, blocks_in.integer("query"));
  AFBS_TRY(config.blocks.key, blocks_in.integer("key"));

  if (top.has("selection")) {
    const Json* selection = nullptr;
    AFBS_TRY(selection, top.member("selection", Json::value_t::object));
    const JsonReader selection_in(*selection, source + ": selection");
    std::string rule;
    AFBS_TRY(rule, selection_in.text("rule"));
    auto parsed = parse_selection_rule(rule);
    if (!parsed) return with_context(source + ": selection", parsed.error());
    config.rule = *parsed;
    if (config.rule == SelectionRule::top_fraction) {
      AFBS_TRY(config.rule_parameter, selection_in.number("fraction"));
    } else if (config.rule == SelectionRule::sliding_window) {
      AFBS_TRY(config.rule_parameter, selection_in.number("tokens"));
    }
  }
  if (top.has("tuning")) {
    const Json* tuning = nullptr;
    AFBS_TRY(tuning, top.member("tuning", Json::value_t::object));
    TuningSummary summary;
    AFBS_TRY(summary, read_tuning(JsonReader(*tuning, source + ": tuning")));
    config.tuning = summary;
  }

  const Json* layers = nullptr;
  AFBS_TRY(layers, top.member("layers", Json::value_t::array));
  for (size_t l = 0; l < layers->size(); ++l) {
    const std::string where = source + ": layers[" + std::to_string(l) + "]";
    const JsonReader layer_in((*layers)[l], where);
    int64_t index = 0;
    AFBS_TRY(index, layer_in.integer("layer"));
    if (index != static_cast<int64_t>(l)) {
      return Error{where + ": \"layer\" is " + std::to_string(index) +
                   ", layers must be listed in order"};
    }
    const Json* heads = nullptr;
    AFBS_TRY(heads, layer_in.member("heads", Json::value_t::array));
    std::vector<HeadConfig> row;
    for (size_t h = 0; h < heads->size(); ++h) {
      const std::string head_where = where + ".heads[" + std::to_string(h) + "]";
      const JsonReader head_in((*heads)[h], head_where);
      int64_t head_index = 0;
      AFBS_TRY(head_index, head_in.integer("head"));
      if (head_index != static_cast<int64_t>(h)) {
        return Error{head_where + ": \"head\" is " + std::to_string(head_index) +
                     ", heads must be listed in order"};
      }
      HeadConfig head;
      AFBS_TRY(head, read_head(head_in, config.rule));
      row.push_back(head);
    }
    config.layers.push_back(std::move(row));
  }
  if (Status valid = config.validate(source); !valid) return valid.error();
  return config;
}

#undef AFBS_TRY

}  // namespace

std::string config_to_json(const SparseConfig& config) {
  Json document = {{"format", kConfigFormat}, {"version", kConfigVersion}};
  document["model"] = {
      {"name", config.model.name},         {"fingerprint", config.model.fingerprint},
      {"layers", config.model.layers},     {"heads", config.model.heads},
      {"kv_heads", config.model.kv_heads}, {"head_dim", config.model.head_dim}};
  document["blocks"] = {{"query", config.blocks.query}, {"key", config.blocks.key}};
  document["selection"] = selection_json(config);
  if (config.tuning) {
    const TuningSummary& t = *config.tuning;
    document["tuning"] = {{"method", t.method},
                          {"l1_target", t.l1_target},
                          {"pv_l1_target", t.pv_l1_target},
                          {"fidelities", t.fidelities},
                          {"evaluations", t.evaluations},
                          {"weighted_evaluations", t.weighted_evaluations},
                          {"seconds", t.seconds}};
  }
  Json layers = Json::array();
  for (size_t l = 0; l < config.layers.size(); ++l) {
    Json heads = Json::array();
    for (size_t h = 0; h < config.layers[l].size(); ++h) {
      const HeadConfig& head = config.layers[l][h];
      Json entry = {{"head", h},
                    {"theta", head.theta},
                    {"tau", head.tau},
                    {"lambda", head.lambda},
                    {"sparse", head.sparse},
                    {"pinned", head.pinned}};
      if (head.sparsity) entry["sparsity"] = *head.sparsity;
      if (head.error) entry["error"] = *head.error;
      if (head.rule_parameter && parameter_key(config.rule) != nullptr)
        entry[parameter_key(config.rule)] = *head.rule_parameter;
      heads.push_back(std::move(entry));
    }
    layers.push_back({{"layer", l}, {"heads", std::move(heads)}});
  }
  document["layers"] = std::move(layers);
  // A model folder name need not be UTF-8: such bytes become U+FFFD instead of throwing.
  return document.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

Result<SparseConfig> parse_config(const std::string& json_text, const std::string& source) {
  auto document = parse_json(json_text, source);
  if (!document) return document.error();
  return read_document(*document, source);
}

Result<SparseConfig> read_config(const std::filesystem::path& path) {
  auto text = read_file_bytes(path, kMaxConfigBytes);
  if (!text) return text.error();
  return parse_config(*text, path.string());
}

Status write_config(const SparseConfig& config, const std::filesystem::path& path) {
  if (Status valid = config.validate(path.string()); !valid) return valid;
  return write_file_atomically(path, config_to_json(config));
}

}  // namespace afbs
