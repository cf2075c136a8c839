#include "core/engine/evaluation_journal.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/common/atomic_file.h"
#include "core/common/bounded_json.h"
#include "core/common/crc32.h"
#include "core/common/write_faults.h"

namespace afbs::engine {
namespace {

// 2: every record line ends with the CRC-32 of the rest of it. Version 1 journals (no
// checksums) are refused by name rather than trusted.
constexpr int kJournalVersion = 2;

// A record line is its JSON object with `,"crc32":"xxxxxxxx"}` in place of the closing brace,
// the checksum taken over the object's own text. The line stays one JSON object.
constexpr std::string_view kChecksumKey = ",\"crc32\":\"";
constexpr std::size_t kChecksumSuffixBytes = kChecksumKey.size() + 8 + 2;  // 8 hex digits, "}

std::string hex8(std::uint32_t value) {
  static const char digits[] = "0123456789abcdef";
  std::string text(8, '0');
  for (int i = 7; i >= 0; --i, value >>= 4)
    text[static_cast<std::size_t>(i)] = digits[value & 0xfu];
  return text;
}

std::string with_checksum(const std::string& object_text) {
  return object_text.substr(0, object_text.size() - 1) + std::string(kChecksumKey) +
         hex8(crc32_of(object_text)) + "\"}";
}

enum class LineCheck { Good, NoChecksum, BadChecksum };

// The object a record line was written from, when its checksum holds.
LineCheck checked_object(const std::string& line, std::string* object_text) {
  if (line.size() < kChecksumSuffixBytes + 2 || line.back() != '}') return LineCheck::NoChecksum;
  const std::size_t key_at = line.size() - kChecksumSuffixBytes;
  if (line.compare(key_at, kChecksumKey.size(), kChecksumKey) != 0 ||
      line[line.size() - 2] != '"') {
    return LineCheck::NoChecksum;
  }
  *object_text = line.substr(0, key_at) + "}";
  const std::string written = line.substr(key_at + kChecksumKey.size(), 8);
  return written == hex8(crc32_of(*object_text)) ? LineCheck::Good : LineCheck::BadChecksum;
}

nlohmann::json header_to_json(const JournalHeader& header) {
  return {{"afbs_journal", kJournalVersion},
          {"method", header.method},
          {"seed", header.seed},
          {"fingerprint", header.fingerprint}};
}

std::string record_line(const EvaluationRecord& r, std::size_t call_size) {
  const nlohmann::json object = {{"call", r.call},
                                 {"of", call_size},
                                 {"layer", r.layer},
                                 {"head", r.head},
                                 {"stage", stage_name(r.stage)},
                                 {"n", r.length_tokens},
                                 {"window", r.window},
                                 {"theta", r.theta},
                                 {"tau", r.tau},
                                 {"lambda", r.lambda},
                                 {"sparsity", r.sparsity},
                                 {"error", r.error},
                                 {"skip_rate", r.skip_rate},
                                 {"objective", r.objective},
                                 {"seconds", r.seconds},
                                 {"elapsed", r.elapsed_seconds}};
  return with_checksum(object.dump());
}

// A parsed record line with its call's size; false when the line is not a whole record.
bool record_from_json(const nlohmann::json& j, EvaluationRecord* r, std::size_t* call_size) {
  try {
    if (!parse_stage(j.at("stage").get<std::string>(), &r->stage)) return false;
    r->call = j.at("call").get<std::int64_t>();
    *call_size = j.at("of").get<std::size_t>();
    r->layer = j.at("layer").get<int>();
    r->head = j.at("head").get<int>();
    r->length_tokens = j.at("n").get<int>();
    r->window = j.at("window").get<int>();
    // A non-finite number is written as null (JSON has no NaN); read it back as NaN.
    auto number = [&](const char* key) {
      const nlohmann::json& value = j.at(key);
      return value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>();
    };
    r->theta = number("theta");
    r->tau = number("tau");
    r->lambda = number("lambda");
    r->sparsity = number("sparsity");
    r->error = number("error");
    r->skip_rate = number("skip_rate");
    r->objective = number("objective");
    r->seconds = number("seconds");
    r->elapsed_seconds = number("elapsed");
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

Result<std::FILE*> open_for_append(const std::string& path) {
  std::FILE* file = write_fault(WriteStep::Open, path) ? nullptr : std::fopen(path.c_str(), "ab");
  if (file == nullptr) {
    return Error{"cannot open journal " + path + ": " + std::strerror(errno)};
  }
  return file;
}

}  // namespace

Result<std::unique_ptr<EvaluationJournal>> EvaluationJournal::create(const std::string& path,
                                                                     const JournalHeader& header,
                                                                     bool fsync_each_call) {
  if (Status written = write_file_atomically(path, header_to_json(header).dump() + "\n");
      !written) {
    return with_context("starting the journal", written.error());
  }
  Result<std::FILE*> file = open_for_append(path);
  if (!file) return file.error();
  return std::unique_ptr<EvaluationJournal>(new EvaluationJournal(path, *file, fsync_each_call));
}

Result<std::unique_ptr<EvaluationJournal>> EvaluationJournal::resume(
    const std::string& path, const JournalHeader& header, bool fsync_each_call,
    std::vector<EvaluationRecord>* replay) {
  replay->clear();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return create(path, header, fsync_each_call);
  if (Status regular = check_regular_file(path, UINT64_MAX); !regular) {
    return Error{"journal " + regular.error().message};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return create(path, header, fsync_each_call);

  const nlohmann::json expected = header_to_json(header);
  std::string line;
  if (!std::getline(in, line) || in.eof()) {
    // Killed before the header was whole: what is there must be the start of this run's header.
    if (expected.dump().compare(0, line.size(), line) == 0) {
      return create(path, header, fsync_each_call);
    }
    return Error{"journal " + path +
                 " does not start with a journal header; it is left untouched (remove it or "
                 "name another --journal)"};
  }
  const auto parsed = parse_json(line, "journal " + path + " header");
  if (parsed && parsed->is_object() && parsed->contains("afbs_journal") &&
      parsed->at("afbs_journal") != kJournalVersion) {
    return Error{"journal " + path + " is in journal format " +
                 parsed->at("afbs_journal").dump().substr(0, 20) + ", this build reads format " +
                 std::to_string(kJournalVersion) +
                 " (records with checksums); it is left untouched (remove it or name another "
                 "--journal to start the run anew)"};
  }
  // Not `found != expected` on a discarded value: nlohmann 3.11 says false for every
  // comparison with one, which once took an unparseable header for this run's.
  if (!parsed || *parsed != expected) {
    return Error{"journal " + path + " belongs to another run (method, seed or options differ: " +
                 line.substr(0, 200) + ")"};
  }

  // Keep whole lines only (a line without its newline was torn), then whole calls only.
  std::vector<EvaluationRecord> records;
  std::vector<std::size_t> call_sizes;
  for (std::size_t line_number = 2; std::getline(in, line); ++line_number) {
    if (in.eof()) break;  // no trailing newline: the write was cut short
    // Only the last line can be torn (it has no newline); a whole bad line was edited or
    // damaged, and nothing from it on is trusted: the resume stops and names the line.
    const std::string where = "journal " + path + " line " + std::to_string(line_number);
    auto refuse = [&](const std::string& what) {
      return Error{where + what +
                   "; the journal is left untouched (to resume from the last good record, keep "
                   "only its first " +
                   std::to_string(line_number - 1) + " lines; or remove it to start anew)"};
    };
    std::string object_text;
    const LineCheck check = checked_object(line, &object_text);
    if (check == LineCheck::BadChecksum) {
      return refuse(" fails its checksum: the record was edited or damaged");
    }
    if (check == LineCheck::NoChecksum) return refuse(" is not an evaluation record (no checksum)");
    const auto parsed = parse_json(object_text, where);
    EvaluationRecord record;
    std::size_t call_size = 0;
    if (!parsed || !record_from_json(*parsed, &record, &call_size)) {
      return refuse(" is not an evaluation record");
    }
    records.push_back(record);
    call_sizes.push_back(call_size);
  }
  std::size_t kept = 0;
  for (std::size_t start = 0; start < records.size();) {
    std::size_t end = start;
    while (end < records.size() && records[end].call == records[start].call)
      ++end;
    if (end - start != call_sizes[start]) break;  // the call was cut short
    kept = end;
    start = end;
  }
  records.resize(kept);

  std::string contents = expected.dump() + "\n";
  for (std::size_t i = 0; i < records.size(); ++i) {
    contents += record_line(records[i], call_sizes[i]) + "\n";
  }
  if (Status written = write_file_atomically(path, contents); !written) {
    return with_context("resuming the journal", written.error());
  }
  Result<std::FILE*> file = open_for_append(path);
  if (!file) return file.error();
  *replay = std::move(records);
  return std::unique_ptr<EvaluationJournal>(new EvaluationJournal(path, *file, fsync_each_call));
}

EvaluationJournal::~EvaluationJournal() {
  if (file_ != nullptr) std::fclose(file_);
}

Status EvaluationJournal::append(const std::vector<EvaluationRecord>& call_records) {
  std::string lines;
  for (const EvaluationRecord& record : call_records) {
    lines += record_line(record, call_records.size()) + "\n";
  }
  const bool written = !write_fault(WriteStep::Write, path_) &&
                       std::fwrite(lines.data(), 1, lines.size(), file_) == lines.size() &&
                       std::fflush(file_) == 0;
  const bool synced = written && (!fsync_each_call_ || (!write_fault(WriteStep::Fsync, path_) &&
                                                        ::fsync(::fileno(file_)) == 0));
  if (!synced) {
    // Lines already on disk stay; a torn last line is dropped on resume. The run stops here.
    return Error{"cannot append to journal " + path_ + ": " + std::strerror(errno)};
  }
  return {};
}

}  // namespace afbs::engine
