// The session journal read on --resume: header, checksums, records, torn lines.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/common/crc32.h"
#include "core/engine/evaluation_journal.h"
#include "fuzz/scratch_file.h"

namespace {

// Each record line's checksum recomputed. Left as they come, almost every mutation fails
// the first record's CRC-32 and the record parser behind it is never reached.
std::string with_checksums_fixed(const std::string& text) {
  static const std::string key = ",\"crc32\":\"";
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    const std::size_t suffix = key.size() + 10;  // 8 hex digits, then "}
    if (line.size() >= suffix && line.compare(line.size() - suffix, key.size(), key) == 0) {
      const std::size_t at = line.size() - suffix;
      char hex[9];
      std::snprintf(hex, sizeof hex, "%08x", afbs::crc32_of(line.substr(0, at) + "}"));
      line.replace(at + key.size(), 8, hex);
    }
    out += line;
    if (end < text.size()) out += '\n';
    start = end + 1;
  }
  return out;
}

void resume_from(const std::string& text) {
  const auto path = afbs::fuzz::write_scratch(
      "journal.jsonl", reinterpret_cast<const uint8_t*>(text.data()), text.size());
  afbs::engine::JournalHeader header{"afbs-bo", 0, "fuzz"};
  std::vector<afbs::engine::EvaluationRecord> replay;
  auto journal = afbs::engine::EvaluationJournal::resume(path.string(), header, false, &replay);
  (void)journal;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  resume_from(text);
  resume_from(with_checksums_fixed(text));
  return 0;
}
