#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/engine/tuning_observer.h"

namespace afbs::engine {

// Identifies the run a journal belongs to; a resume with a different one is refused.
struct JournalHeader {
  std::string method;
  std::uint64_t seed = 0;
  std::string fingerprint;  // options and evaluator shape
};

// The session journal: one JSON line per evaluation, appended and flushed as each batched
// call finishes, so a killed run loses at most the call in flight (DESIGN.md §8).
// Line 1 is the header; every later line is a record with its call's size, so that a call
// only partly written before a crash can be recognised and dropped on resume.
class EvaluationJournal {
 public:
  // Starts a new journal at `path`, replacing any file there.
  static Result<std::unique_ptr<EvaluationJournal>> create(const std::string& path,
                                                           const JournalHeader& header,
                                                           bool fsync_each_call);
  // Opens the journal at `path` for resume: returns the records of every complete call in
  // `replay` and rewrites the file without a torn last line or an incomplete last call.
  // A missing file starts a new journal; a header for another run is an error.
  static Result<std::unique_ptr<EvaluationJournal>> resume(const std::string& path,
                                                           const JournalHeader& header,
                                                           bool fsync_each_call,
                                                           std::vector<EvaluationRecord>* replay);
  ~EvaluationJournal();
  EvaluationJournal(const EvaluationJournal&) = delete;
  EvaluationJournal& operator=(const EvaluationJournal&) = delete;

  // Appends the records of one call (all of one call index) and flushes them.
  Status append(const std::vector<EvaluationRecord>& call_records);

  const std::string& path() const { return path_; }

 private:
  EvaluationJournal(std::string path, std::FILE* file, bool fsync_each_call)
      : path_(std::move(path)), file_(file), fsync_each_call_(fsync_each_call) {}

  std::string path_;
  std::FILE* file_ = nullptr;
  bool fsync_each_call_ = false;
};

}  // namespace afbs::engine
