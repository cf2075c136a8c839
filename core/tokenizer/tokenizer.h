#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"

namespace afbs {

// Text <-> token ids, our own implementation (Debian's libsentencepiece cannot share a
// process with libtorch). Ids equal the reference implementations' on the same text.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Ids of `text` with no BOS/EOS added.
  virtual std::vector<int32_t> encode(std::string_view text) const = 0;
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;
  virtual int vocab_size() const = 0;
  virtual int bos_id() const = 0;  // -1 when the model has none
  virtual int eos_id() const = 0;  // -1 when the model has none
  // "sentencepiece-bpe", "sentencepiece-unigram", "byte-level-bpe" or "metaspace-bpe".
  virtual std::string kind() const = 0;
};

// Loads tokenizer.model (SentencePiece) or tokenizer.json (BPE: byte-level, or metaspace with
// byte fallback) from a model folder, preferring tokenizer.model; the error names the file and
// what is wrong with it.
Result<std::unique_ptr<Tokenizer>> load_tokenizer(const std::filesystem::path& model_dir);

}  // namespace afbs
