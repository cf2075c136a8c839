// Fault injection on every writer (issue 15): each output goes through
// write_file_atomically, so a write that fails part-way (here: EFBIG from a file-size limit,
// what ENOSPC does on a full disk) must leave the old file whole, no temporary file behind,
// and an error naming the path. The write-fault seam (core/common/write_faults.h) fails each
// system call in turn (open, write, fsync, close, rename, the folder's fsync) with EIO or
// ENOSPC. A failed folder fsync comes after the rename: the new file is then whole.
#include <sys/resource.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "core/attention/sparse_config.h"
#include "core/common/atomic_file.h"
#include "core/engine/evaluation_csv.h"
#include "core/engine/evaluation_journal.h"
#include "core/io/config_file.h"
#include "core/io/spargeattn_file.h"
#include "tests/common/injected_write_fault.h"

namespace fs = std::filesystem;
using namespace afbs;

Q_DECLARE_METATYPE(afbs::WriteStep)

namespace {

// Runs `write` with every file this process writes limited to `limit_bytes`.
Status with_file_size_limit(rlim_t limit_bytes, const std::function<Status()>& write) {
  std::signal(SIGXFSZ, SIG_IGN);  // fail the write with EFBIG instead of killing the process
  rlimit old{};
  getrlimit(RLIMIT_FSIZE, &old);
  rlimit small = old;
  small.rlim_cur = limit_bytes;
  setrlimit(RLIMIT_FSIZE, &small);
  Status status = write();
  setrlimit(RLIMIT_FSIZE, &old);
  return status;
}

std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

SparseConfig big_config() {
  ModelIdentity model;
  model.name = "tiny";
  model.layers = 8;
  model.heads = 8;
  model.kv_heads = 2;
  model.head_dim = 64;
  return SparseConfig::uniform(model, HeadConfig{});
}

int open_descriptors() {
  return static_cast<int>(std::distance(fs::directory_iterator("/proc/self/fd"), {}));
}

int files_in(const QTemporaryDir& dir) {
  return static_cast<int>(std::distance(fs::directory_iterator(dir.path().toStdString()), {}));
}

const engine::JournalHeader kHeader{"afbs-bo", 1, "f"};

std::vector<engine::EvaluationRecord> records(int count, std::int64_t call = 0) {
  std::vector<engine::EvaluationRecord> out(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    out[static_cast<size_t>(i)].head = i;
    out[static_cast<size_t>(i)].call = call;
  }
  return out;
}

}  // namespace

class TestFailingWrites : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void old_file_survives_a_failed_write_data() {
    QTest::addColumn<QString>("writer");
    for (const char* writer : {"bytes", "config", "csv", "journal"})
      QTest::newRow(writer) << writer;
  }
  void old_file_survives_a_failed_write() {
    QFETCH(QString, writer);
    QTemporaryDir dir;
    const fs::path path = fs::path(dir.path().toStdString()) / "out.file";
    std::ofstream(path) << "old contents";
    const Status status = with_file_size_limit(64, [&]() -> Status {
      if (writer == "bytes") return write_file_atomically(path, std::string(4096, 'x'));
      if (writer == "config") return write_config(big_config(), path);
      if (writer == "csv") return engine::write_evaluations_csv(path.string(), records(100));
      auto journal = engine::EvaluationJournal::create(
          path.string(), engine::JournalHeader{"afbs-bo", 1, std::string(200, 'f')}, false);
      if (!journal) return journal.error();
      return {};
    });
    QVERIFY(!status.ok());
    QVERIFY2(QString::fromStdString(status.error().message).contains("out.file"),
             status.error().message.c_str());
    QCOMPARE(contents(path), std::string("old contents"));
    int files = 0;
    for (const auto& entry : fs::directory_iterator(dir.path().toStdString())) {
      (void)entry;
      ++files;
    }
    QCOMPARE(files, 1);  // no temporary file left behind
  }
  // Every writer, every step, EIO and ENOSPC: the old file whole, no temporary file, no
  // descriptor leaked, and an error naming the file and the system's reason.
  void injected_faults_leave_the_old_file_data() {
    QTest::addColumn<QString>("writer");
    QTest::addColumn<WriteStep>("step");
    QTest::addColumn<int>("error");
    for (const char* writer :
         {"bytes", "config", "csv", "pt export", "journal start", "journal resume"}) {
      for (WriteStep step : {WriteStep::Open, WriteStep::Write, WriteStep::Fsync, WriteStep::Close,
                             WriteStep::Rename, WriteStep::SyncFolder}) {
        for (int error : {EIO, ENOSPC}) {
          QTest::addRow("%s %s %s", writer, write_step_name(step), error == EIO ? "EIO" : "ENOSPC")
              << writer << step << error;
        }
      }
    }
  }
  void injected_faults_leave_the_old_file() {
    QFETCH(QString, writer);
    QFETCH(WriteStep, step);
    QFETCH(int, error);
    QTemporaryDir dir;
    const fs::path path = fs::path(dir.path().toStdString()) / "out.file";
    if (writer == "journal resume") {
      QVERIFY(engine::EvaluationJournal::create(path.string(), kHeader, false).ok());
    } else {
      std::ofstream(path) << "old contents";
    }
    const auto write = [&writer](const fs::path& target) -> Status {
      if (writer == "bytes") return write_file_atomically(target, std::string(4096, 'x'));
      if (writer == "config") return write_config(big_config(), target);
      if (writer == "csv") return engine::write_evaluations_csv(target.string(), records(100));
      if (writer == "pt export") return write_spargeattn(big_config(), target);
      std::vector<engine::EvaluationRecord> replay;
      auto journal =
          writer == "journal start"
              ? engine::EvaluationJournal::create(target.string(), kHeader, false)
              : engine::EvaluationJournal::resume(target.string(), kHeader, false, &replay);
      return journal ? Status{} : Status{journal.error()};
    };
    // What the writer leaves when nothing fails (a failed folder fsync leaves just that).
    QTemporaryDir clean_dir;
    const fs::path clean = fs::path(clean_dir.path().toStdString()) / "out.file";
    fs::copy_file(path, clean);
    QVERIFY(write(clean).ok());
    const std::string old = contents(path);
    const int descriptors = open_descriptors();
    Status status;
    {
      testing::InjectedWriteFault fault(step, error, path.string());
      status = write(path);
    }
    QVERIFY2(!status.ok(), "the injected fault went unnoticed");
    const QString message = QString::fromStdString(status.error().message);
    QVERIFY2(message.contains(QString::fromStdString(path.string())), qPrintable(message));
    QVERIFY2(message.contains(std::strerror(error)), qPrintable(message));
    if (step == WriteStep::SyncFolder) {
      QCOMPARE(contents(path), contents(clean));  // renamed already: the new file, whole
      QVERIFY2(message.contains("folder"), qPrintable(message));
    } else {
      QCOMPARE(contents(path), old);
    }
    QCOMPARE(files_in(dir), 1);  // no temporary file left behind
    QCOMPARE(open_descriptors(), descriptors);
  }

  // A failed append (write or fsync) names the journal; the lines before it stay readable.
  void injected_journal_append_faults_data() {
    QTest::addColumn<WriteStep>("step");
    QTest::newRow("write") << WriteStep::Write;
    QTest::newRow("fsync") << WriteStep::Fsync;
  }
  void injected_journal_append_faults() {
    QFETCH(WriteStep, step);
    QTemporaryDir dir;
    const std::string path = dir.filePath("run.jsonl").toStdString();
    auto journal = engine::EvaluationJournal::create(path, kHeader, /*fsync_each_call=*/true);
    QVERIFY(journal.ok());
    QVERIFY((*journal)->append(records(2)).ok());
    Status appended;
    {
      testing::InjectedWriteFault fault(step, EIO, path);
      appended = (*journal)->append(records(3, 1));
    }
    QVERIFY(!appended.ok());
    const QString message = QString::fromStdString(appended.error().message);
    QVERIFY2(message.contains(QString::fromStdString(path)) && message.contains(std::strerror(EIO)),
             qPrintable(message));
    journal->reset();
    std::vector<engine::EvaluationRecord> replay;
    QVERIFY(engine::EvaluationJournal::resume(path, kHeader, false, &replay).ok());
    // A failed write wrote nothing; a failed fsync may leave the call's lines in the cache.
    QCOMPARE(replay.size(), step == WriteStep::Write ? std::size_t{2} : std::size_t{5});
  }

  void a_failed_journal_append_is_an_error() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("run.jsonl").toStdString();
    auto journal = engine::EvaluationJournal::create(path, {"afbs-bo", 1, "f"}, false);
    QVERIFY(journal.ok());
    const Status appended =
        with_file_size_limit(256, [&] { return (*journal)->append(records(50)); });
    QVERIFY(!appended.ok());
    QVERIFY2(QString::fromStdString(appended.error().message).contains("run.jsonl"),
             appended.error().message.c_str());
  }
  void outputs_are_checked_before_a_run() {
    QTemporaryDir dir;
    QVERIFY(check_writable(dir.filePath("new.json").toStdString()).ok());
    QVERIFY(!fs::exists(dir.filePath("new.json").toStdString()));  // nothing left behind
    const Status folder = check_writable(dir.path().toStdString());
    QVERIFY(!folder.ok());
    QVERIFY(QString::fromStdString(folder.error().message).contains("is a folder"));
    const Status missing = check_writable(dir.filePath("no/such/cfg.json").toStdString());
    QVERIFY(!missing.ok());
    QVERIFY(QString::fromStdString(missing.error().message).contains("cannot be written"));
  }
};

QTEST_APPLESS_MAIN(TestFailingWrites)
#include "tst_failing_writes.moc"
