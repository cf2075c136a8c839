// tokenizer.json (byte-level and metaspace BPE): JSON, vocab, merges, added tokens, normalizer,
// pre-tokenizer, decoder; then a short text through encode and decode.
#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "core/tokenizer/tokenizer.h"
#include "fuzz/scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path folder = [] {
    auto path = afbs::fuzz::scratch_folder() / "tokenizer-json";
    std::filesystem::create_directories(path);
    return path;
  }();
  afbs::fuzz::write_scratch("tokenizer-json/tokenizer.json", data, size);
  auto tokenizer = afbs::load_tokenizer(folder);
  if (tokenizer.ok()) (*tokenizer)->decode((*tokenizer)->encode("Hello, wörld 123 東京 \n\t!"));
  return 0;
}
