#pragma once

// What both kinds of BPE tokenizer.json (byte-level and metaspace) read alike: the model, the
// added tokens (their matches normalised) and the normalizer, with one bound on ids; and how
// both cut added tokens out of a text before it reaches their pre-tokenizer and BPE.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.h"
#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/normalizer.h"

namespace afbs {

struct BpeParts {
  BpeModel model;
  AddedVocabulary added;
  Normalizer normalizer;
};

// config[key], or a null value when absent.
const nlohmann::json& json_field(const nlohmann::json& config, const char* key);

Result<BpeParts> read_bpe_parts(const nlohmann::json& config);

// The id of the first of `names` that is an added token or in the model's vocabulary; -1 when
// none is (how both find their BOS and EOS).
int first_token_id(const AddedVocabulary& added, const BpeModel& model,
                   const std::vector<std::string>& names);

// The ids of `text`: added tokens matched in the raw text, then in its normalised form, are their
// own ids; each stretch of normalised text between them goes to `encode_part`, which appends its
// ids (`at_text_start`: the stretch begins the whole text).
using EncodePart =
    std::function<void(std::string_view part, bool at_text_start, std::vector<int32_t>& ids)>;
std::vector<int32_t> encode_around_added_tokens(const AddedVocabulary& added,
                                                const Normalizer& normalizer, std::string_view text,
                                                const EncodePart& encode_part);

}  // namespace afbs
