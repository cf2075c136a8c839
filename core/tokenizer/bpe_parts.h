#pragma once

// What both kinds of BPE tokenizer.json (byte-level and metaspace) read alike: the model, the
// added tokens (their matches normalised) and the normalizer, with one bound on ids.

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

}  // namespace afbs
