// The session journal read on --resume: header, records, torn lines.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/engine/evaluation_journal.h"
#include "fuzz/scratch_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = afbs::fuzz::write_scratch("journal.jsonl", data, size);
  afbs::engine::JournalHeader header{"afbs-bo", 0, "fuzz"};
  std::vector<afbs::engine::EvaluationRecord> replay;
  auto journal = afbs::engine::EvaluationJournal::resume(path.string(), header, false, &replay);
  (void)journal;
  return 0;
}
