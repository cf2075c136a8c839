#include "core/tokenizer/bpe_parts.h"

namespace afbs {
namespace {

// Real vocabularies are dense: ids past (entries + this slack) are taken as a hostile file
// rather than allocated for.
constexpr int64_t kIdSlack = 1024;

}  // namespace

const nlohmann::json& json_field(const nlohmann::json& config, const char* key) {
  static const nlohmann::json kNull;
  const auto it = config.find(key);
  return it == config.end() ? kNull : *it;
}

Result<BpeParts> read_bpe_parts(const nlohmann::json& config) {
  if (!config.is_object()) return Error{"the top level is not a JSON object"};
  const nlohmann::json& model_json = json_field(config, "model");
  if (!model_json.is_object()) return Error{"'model' is missing"};
  const nlohmann::json& added_json = json_field(config, "added_tokens");
  const int64_t max_ids = kIdSlack + static_cast<int64_t>(json_field(model_json, "vocab").size()) +
                          static_cast<int64_t>(added_json.size());
  Result<BpeModel> model = BpeModel::from_json(model_json, max_ids);
  if (!model.ok()) return with_context("model", model.error());
  Result<AddedVocabulary> added = AddedVocabulary::from_json(added_json, max_ids);
  if (!added.ok()) return added.error();
  Result<Normalizer> normalizer = Normalizer::from_json(json_field(config, "normalizer"));
  if (!normalizer.ok()) return with_context("normalizer", normalizer.error());
  added->normalize_matches(*normalizer);
  return BpeParts{std::move(*model), std::move(*added), std::move(*normalizer)};
}

std::vector<int32_t> encode_around_added_tokens(const AddedVocabulary& added,
                                                const Normalizer& normalizer, std::string_view text,
                                                const EncodePart& encode_part) {
  std::vector<int32_t> ids;
  for (const AddedVocabulary::Segment& segment : added.split(text, false)) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
      continue;
    }
    const std::string normalized = normalizer.apply(segment.text);
    for (const AddedVocabulary::Segment& part : added.split(normalized, true)) {
      if (part.id >= 0) {
        ids.push_back(part.id);
        continue;
      }
      encode_part(part.text, segment.offset == 0 && part.offset == 0, ids);
    }
  }
  return ids;
}

int first_token_id(const AddedVocabulary& added, const BpeModel& model,
                   const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (const int id = added.id_of(name); id >= 0) return id;
    if (const int id = model.token_id(name); id >= 0) return id;
  }
  return -1;
}

}  // namespace afbs
