// Journal and resume: a run killed after any number of journal lines (a torn last line
// included) and resumed ends with exactly the config of an uninterrupted run.
#include <QTemporaryDir>
#include <QtTest>
#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/engine/tuning_engine.h"
#include "tests/common/injected_write_fault.h"
#include "tests/engine/resume_checks.h"
#include "tests/engine/synthetic_layer_evaluator.h"

using namespace afbs::engine;
using afbs::engine::testing::compare_heads;
using afbs::engine::testing::read_lines;
using afbs::engine::testing::SyntheticHead;
using afbs::engine::testing::SyntheticLayerEvaluator;

Q_DECLARE_METATYPE(afbs::engine::TuningMethod)
Q_DECLARE_METATYPE(afbs::WriteStep)

namespace {

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A journal line without the fields that depend on the clock (and its checksum, which covers them).
nlohmann::json without_times(const std::string& line) {
  nlohmann::json j = nlohmann::json::parse(line);
  j.erase("seconds");
  j.erase("elapsed");
  j.erase("crc32");
  return j;
}

EngineOptions journal_options(TuningMethod method, const std::string& path, bool resume) {
  EngineOptions options;
  options.method = method;
  options.seed = 7;
  options.afbs.exploration_budget = 10;
  options.random.samples_per_head = 6;
  options.journal_path = path;
  options.resume = resume;
  return options;
}

// Ordinary heads and a hopeless one (an error floor over ε1), so that AFBS-BO's runs include
// a stage-1 hopeless verdict: decided from journalled evaluations, it must replay alike.
RunResult run_with(const EngineOptions& options) {
  std::vector<SyntheticHead> heads = afbs::engine::testing::ordinary_heads();
  SyntheticHead hopeless;
  hopeless.floor = 0.08;
  heads.push_back(hopeless);
  SyntheticLayerEvaluator evaluator(2, heads);
  TuningEngine engine(evaluator, options);
  return engine.run();
}

}  // namespace

class TestEvaluationJournal : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void resumeMatchesAnUninterruptedRun_data() {
    QTest::addColumn<TuningMethod>("method");
    QTest::addColumn<double>("killedAt");  // share of the journal's lines kept
    QTest::addColumn<bool>("torn");        // plus half of the next line, without its newline
    for (TuningMethod method : {TuningMethod::AfbsBo, TuningMethod::Random}) {
      for (double at : {0.0, 0.001, 0.2, 0.5, 0.93, 1.0}) {
        for (bool torn : {false, true}) {
          const QString name =
              QString("%1 at %2%3").arg(method_name(method)).arg(at).arg(torn ? " torn" : "");
          QTest::newRow(qPrintable(name)) << method << at << torn;
        }
      }
    }
  }
  void resumeMatchesAnUninterruptedRun() {
    QFETCH(TuningMethod, method);
    QFETCH(double, killedAt);
    QFETCH(bool, torn);
    QTemporaryDir dir;
    const std::string full_path = dir.filePath("full.jsonl").toStdString();
    const RunResult full = run_with(journal_options(method, full_path, false));
    QCOMPARE(full.status, RunStatus::Succeeded);
    const std::vector<std::string> lines = read_lines(full_path);
    QCOMPARE(lines.size(), full.evaluations.size() + 1);  // header + one per evaluation

    // Simulate the kill: keep the first lines, maybe with half a line after them.
    const std::size_t kept = static_cast<std::size_t>(killedAt * lines.size());
    std::string text;
    for (std::size_t i = 0; i < kept; ++i)
      text += lines[i] + "\n";
    if (torn && kept < lines.size()) text += lines[kept].substr(0, lines[kept].size() / 2);
    const std::string resumed_path = dir.filePath("resumed.jsonl").toStdString();
    write_text(resumed_path, text);

    const RunResult resumed = run_with(journal_options(method, resumed_path, true));
    QCOMPARE(resumed.status, RunStatus::Succeeded);
    compare_heads(full, resumed);
    QCOMPARE(resumed.counts.evaluations, full.counts.evaluations);
    QCOMPARE(resumed.counts.weighted_evaluations, full.counts.weighted_evaluations);
    QVERIFY(resumed.counts.replayed <= static_cast<std::int64_t>(kept));
    if (kept > 1) QVERIFY(resumed.counts.replayed > 0);

    // The journal ends up with the same evaluations as the uninterrupted one.
    const std::vector<std::string> after = read_lines(resumed_path);
    QCOMPARE(after.size(), lines.size());
    QCOMPARE(after[0], lines[0]);
    for (std::size_t i = 1; i < lines.size(); ++i) {
      QCOMPARE(without_times(after[i]), without_times(lines[i]));
    }
  }

  void resumeRefusesAnotherRunsJournal() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("journal.jsonl").toStdString();
    QCOMPARE(run_with(journal_options(TuningMethod::AfbsBo, path, false)).status,
             RunStatus::Succeeded);
    const std::vector<std::string> before = read_lines(path);
    EngineOptions other = journal_options(TuningMethod::AfbsBo, path, true);
    other.seed = 8;
    const RunResult refused = run_with(other);
    QCOMPARE(refused.status, RunStatus::Failed);
    QVERIFY2(refused.message.find("another run") != std::string::npos, refused.message.c_str());
    QCOMPARE(read_lines(path), before);  // left intact
  }

  // Issue 15: a header that does not parse was taken as this run's and rewritten, and a bad
  // line in the middle silently dropped every record after it.
  void resumeRefusesAJournalItCannotRead_data() {
    QTest::addColumn<int>("edit");
    QTest::addColumn<QString>("expected");
    QTest::newRow("header garbage, no newline") << 0 << "does not start with a journal header";
    QTest::newRow("header garbage") << 1 << "another run";
    QTest::newRow("bad line in the middle") << 2 << "line 3 is not an evaluation record";
    QTest::newRow("deep line in the middle") << 3 << "line 3 is not an evaluation record";
    // Journal format 2: each record carries a CRC-32, so an edited measurement is not trusted.
    QTest::newRow("edited measurement") << 4 << "line 3 fails its checksum";
    QTest::newRow("flipped bit") << 5 << "line 3 fails its checksum";
    QTest::newRow("checksum removed") << 6 << "line 3 is not an evaluation record (no checksum)";
    QTest::newRow("last line edited") << 7 << "fails its checksum";
    QTest::newRow("format 1 journal") << 8 << "is in journal format 1, this build reads format 2";
  }
  void resumeRefusesAJournalItCannotRead() {
    QFETCH(int, edit);
    QFETCH(QString, expected);
    QTemporaryDir dir;
    const std::string path = dir.filePath("journal.jsonl").toStdString();
    QCOMPARE(run_with(journal_options(TuningMethod::AfbsBo, path, false)).status,
             RunStatus::Succeeded);
    std::vector<std::string> lines = read_lines(path);
    QVERIFY(lines.size() > 4);
    std::string text;
    if (edit == 0) text = "not a header";
    if (edit == 1) lines[0] = "{\"afbs_journal\": ";
    if (edit == 2) lines[2] = "{\"call\": 1}";
    if (edit == 3) lines[2] = std::string(100000, '[') + std::string(100000, ']');
    const std::size_t sparsity_at = lines[2].find("\"sparsity\":") + 11;
    if (edit == 4) lines[2].replace(sparsity_at, 1, lines[2][sparsity_at] == '9' ? "8" : "9");
    if (edit == 5) lines[2][sparsity_at] ^= 0x01;
    if (edit == 6) lines[2] = lines[2].substr(0, lines[2].find(",\"crc32\"")) + "}";
    if (edit == 7) {
      const std::size_t head_at = lines.back().find("\"head\":") + 7;
      lines.back()[head_at] = lines.back()[head_at] == '1' ? '2' : '1';
    }
    if (edit == 8) {  // a journal written before checksums, with its old-style records
      lines[0].replace(lines[0].find("\"afbs_journal\":2"), 16, "\"afbs_journal\":1");
      for (std::size_t i = 1; i < lines.size(); ++i)
        lines[i] = lines[i].substr(0, lines[i].find(",\"crc32\"")) + "}";
    }
    if (edit != 0) {
      for (const std::string& line : lines)
        text += line + "\n";
    }
    write_text(path, text);
    const RunResult refused = run_with(journal_options(TuningMethod::AfbsBo, path, true));
    QCOMPARE(refused.status, RunStatus::Failed);
    QVERIFY2(QString::fromStdString(refused.message).contains(expected), refused.message.c_str());
    QVERIFY2(refused.message.find(path) != std::string::npos, refused.message.c_str());
    std::ifstream in(path, std::ios::binary);
    QCOMPARE(std::string(std::istreambuf_iterator<char>(in), {}), text);  // left untouched
  }

  // The refusal of a bad record says how to resume from the last good one; doing so gives
  // the config of an uninterrupted run.
  void resumeFromTheLastGoodRecordAsTheRefusalSays() {
    QTemporaryDir dir;
    const std::string full_path = dir.filePath("full.jsonl").toStdString();
    const RunResult full = run_with(journal_options(TuningMethod::AfbsBo, full_path, false));
    QCOMPARE(full.status, RunStatus::Succeeded);
    std::vector<std::string> lines = read_lines(full_path);
    const std::size_t bad = lines.size() / 2;
    lines[bad].replace(lines[bad].find("\"error\":") + 8, 1, "4");
    const std::string path = dir.filePath("journal.jsonl").toStdString();
    std::string text;
    for (const std::string& line : lines)
      text += line + "\n";
    write_text(path, text);
    const RunResult refused = run_with(journal_options(TuningMethod::AfbsBo, path, true));
    QCOMPARE(refused.status, RunStatus::Failed);
    const std::string keep = "keep only its first " + std::to_string(bad) + " lines";
    QVERIFY2(refused.message.find(keep) != std::string::npos, refused.message.c_str());

    text.clear();
    for (std::size_t i = 0; i < bad; ++i)
      text += lines[i] + "\n";
    write_text(path, text);
    const RunResult resumed = run_with(journal_options(TuningMethod::AfbsBo, path, true));
    QCOMPARE(resumed.status, RunStatus::Succeeded);
    QVERIFY(resumed.counts.replayed > 0);
    compare_heads(full, resumed);
  }

  // Issue 15: an append whose write or fsync fails (EIO) in the middle of a run ends the run
  // with an error naming the journal; resuming then gives the uninterrupted run's config.
  void aFailedAppendStopsTheRunAndResumeFinishesIt_data() {
    QTest::addColumn<afbs::WriteStep>("step");
    QTest::newRow("write") << afbs::WriteStep::Write;
    QTest::newRow("fsync") << afbs::WriteStep::Fsync;
  }
  void aFailedAppendStopsTheRunAndResumeFinishesIt() {
    QFETCH(afbs::WriteStep, step);
    QTemporaryDir dir;
    const RunResult full = run_with(
        journal_options(TuningMethod::AfbsBo, dir.filePath("full.jsonl").toStdString(), false));
    QCOMPARE(full.status, RunStatus::Succeeded);

    const std::string path = dir.filePath("journal.jsonl").toStdString();
    EngineOptions options = journal_options(TuningMethod::AfbsBo, path, false);
    options.journal_fsync = true;
    int appends = 0;
    afbs::set_write_fault_hook([&](afbs::WriteStep at, const std::string& target) {
      return at == step && target == path && ++appends == 8 ? EIO : 0;
    });
    const RunResult failed = run_with(options);
    afbs::set_write_fault_hook({});
    QCOMPARE(failed.status, RunStatus::Failed);
    QVERIFY2(failed.message.find("cannot append to journal " + path) != std::string::npos,
             failed.message.c_str());

    options.resume = true;
    const RunResult resumed = run_with(options);
    QCOMPARE(resumed.status, RunStatus::Succeeded);
    QVERIFY(resumed.counts.replayed > 0);
    compare_heads(full, resumed);
  }

  void everyLineIsJsonAndFlushed() {
    QTemporaryDir dir;
    const std::string path = dir.filePath("journal.jsonl").toStdString();
    // At each call, every earlier call's evaluations are already on disk.
    int calls_checked = 0;
    bool all_on_disk = true;
    SyntheticLayerEvaluator evaluator(1, afbs::engine::testing::ordinary_heads());
    evaluator.after_call = [&] {
      std::size_t expected = 1;
      for (std::size_t i = 0; i + 1 < evaluator.requests.size(); ++i) {
        for (bool active : evaluator.requests[i].active)
          expected += active ? 1 : 0;
      }
      all_on_disk = all_on_disk && read_lines(path).size() == expected;
      ++calls_checked;
    };
    EngineOptions options = journal_options(TuningMethod::AfbsBo, path, false);
    options.journal_fsync = true;
    TuningEngine engine(evaluator, options);
    const RunResult run = engine.run();
    QCOMPARE(run.status, RunStatus::Succeeded);
    QVERIFY(calls_checked > 10);
    QVERIFY(all_on_disk);
    for (const std::string& line : read_lines(path)) {
      QVERIFY(!nlohmann::json::parse(line, nullptr, false).is_discarded());
    }
  }
};

QTEST_APPLESS_MAIN(TestEvaluationJournal)
#include "tst_evaluation_journal.moc"
