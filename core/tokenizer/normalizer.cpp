#include "core/tokenizer/normalizer.h"

#include <nlohmann/json.hpp>

namespace afbs {
namespace {

using json = nlohmann::json;

}  // namespace

Result<Normalizer::Step> Normalizer::step_from_json(const json& step) {
  const std::string type = step.is_object() ? step.value("type", "") : "";
  if (const std::optional<UnicodeForm> form = unicode_form_named(type)) {
    Step out;
    out.form = *form;
    return out;
  }
  if (type == "Replace") {
    const auto pattern = step.find("pattern");
    const auto content = step.find("content");
    if (content == step.end() || !content->is_string()) return Error{"Replace lacks 'content'"};
    Result<PretokenizerPattern> parsed = Error{
        "Replace needs a {\"String\": ...} or {\"Regex\": "
        "...} pattern"};
    if (pattern != step.end() && pattern->is_object() && pattern->contains("String") &&
        (*pattern)["String"].is_string()) {
      parsed = PretokenizerPattern::from_literal((*pattern)["String"].get<std::string>());
    } else if (pattern != step.end() && pattern->is_object() && pattern->contains("Regex") &&
               (*pattern)["Regex"].is_string()) {
      parsed = PretokenizerPattern::from_regex((*pattern)["Regex"].get<std::string>());
    }
    if (!parsed.ok()) return with_context("Replace", parsed.error());
    Step out;
    out.kind = Step::Kind::Replace;
    out.pattern = std::move(*parsed);
    out.text = content->get<std::string>();
    return out;
  }
  if (type == "Prepend") {
    const auto prepend = step.find("prepend");
    if (prepend == step.end() || !prepend->is_string()) return Error{"Prepend lacks 'prepend'"};
    Step out;
    out.kind = Step::Kind::Prepend;
    out.text = prepend->get<std::string>();
    return out;
  }
  return Error{"unsupported normalizer " + step.dump() +
               " (NFC, NFKC, NFD, NFKD, Replace, Prepend, Sequence)"};
}

Result<Normalizer> Normalizer::from_json(const json& normalizer) {
  Normalizer out;
  if (normalizer.is_null()) return out;
  if (!normalizer.is_object()) return Error{"not an object"};
  std::vector<json> steps;
  if (normalizer.value("type", "") == "Sequence") {
    const auto list = normalizer.find("normalizers");
    if (list == normalizer.end() || !list->is_array()) return Error{"Sequence lacks 'normalizers'"};
    steps.assign(list->begin(), list->end());
  } else {
    steps.push_back(normalizer);
  }
  for (const json& step : steps) {
    Result<Step> parsed = step_from_json(step);
    if (!parsed.ok()) return parsed.error();
    out.steps_.push_back(std::move(*parsed));
  }
  return out;
}

std::string Normalizer::apply(std::string_view text) const {
  std::string out(text);
  for (const Step& step : steps_) {
    switch (step.kind) {
      case Step::Kind::Unicode:
        out = normalize_unicode(out, step.form);
        break;
      case Step::Kind::Replace: {
        std::string replaced;
        for (const PretokenizerPattern::Span& span : step.pattern->spans(out)) {
          if (span.is_match) {
            replaced += step.text;
          } else {
            replaced.append(out, span.begin, span.end - span.begin);
          }
        }
        out = std::move(replaced);
        break;
      }
      case Step::Kind::Prepend:
        if (!out.empty()) out.insert(0, step.text);
        break;
    }
  }
  return out;
}

}  // namespace afbs
