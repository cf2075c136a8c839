// A GPU running out of memory, tested on the CPU (issue 15): the memory-fault seam
// (core/common/memory_faults.h) throws c10::OutOfMemoryError, as CUDA's allocator does, where
// the evaluator or a model layer would allocate. In each phase of a session (evaluation,
// streamed capture, the guard, a perplexity pass) the run stops with an error marked out of
// memory that names the phase, the layer and the length; the journal stays whole, and
// resuming it ends with the config of a run that never failed.
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/common/memory_faults.h"
#include "core/model/torch_errors.h"
#include "core/session/tuning_session.h"
#include "tests/engine/resume_checks.h"
#include "tests/session/demo_session.h"

using namespace afbs;

Q_DECLARE_METATYPE(afbs::MemoryFaultSite)

namespace {

// Runs out of memory at `site` on `layer` at `length` tokens while it lives.
class InjectedMemoryFault {
 public:
  InjectedMemoryFault(MemoryFaultSite site, int layer, int64_t length) {
    set_memory_fault_hook([=](MemoryFaultSite at, int at_layer, int64_t at_length) {
      return at == site && at_layer == layer && at_length == length;
    });
  }
  ~InjectedMemoryFault() { set_memory_fault_hook({}); }
  InjectedMemoryFault(const InjectedMemoryFault&) = delete;
  InjectedMemoryFault& operator=(const InjectedMemoryFault&) = delete;
};

engine::RunResult run_session(const SessionOptions& options) {
  auto session = TuningSession::prepare(options);
  if (!session) {
    engine::RunResult failed;
    failed.message = session.error().message;
    return failed;
  }
  return (*session)->run(nullptr);
}

// Evaluation records in a journal (its header and perplexity lines left out).
std::int64_t evaluations_in(const std::string& journal) {
  std::int64_t count = 0;
  const std::vector<std::string> lines = engine::testing::read_lines(journal);
  for (std::size_t i = 1; i < lines.size(); ++i)
    count += nlohmann::json::parse(lines[i]).value("stage", "") != "budget" ? 1 : 0;
  return count;
}

}  // namespace

class TestOutOfMemory : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  // libtorch 1.13 and 2.x: OutOfMemoryError by type; a plain c10::Error by its message.
  void out_of_memory_is_recognised() {
    QVERIFY(is_out_of_memory(c10::OutOfMemoryError({"f", "file", 1}, "CUDA out of memory.")));
    QVERIFY(is_out_of_memory(c10::Error({"f", "file", 1}, "CUDA out of memory. Tried to")));
    QVERIFY(is_out_of_memory(
        c10::Error({"f", "file", 1}, "DefaultCPUAllocator: not enough memory: you tried")));
    QVERIFY(is_out_of_memory(std::bad_alloc()));
    QVERIFY(!is_out_of_memory(c10::Error({"f", "file", 1}, "shape mismatch")));
    QVERIFY(!is_out_of_memory(std::runtime_error("out of memory, but not from libtorch")));
    const Error error =
        torch_error("evaluating layer 3", c10::OutOfMemoryError({"f", "f", 1}, "x"));
    QVERIFY(error.out_of_memory);
    QVERIFY(with_context("tuning", error).out_of_memory);  // the mark survives context
  }

  void a_run_stops_naming_the_phase_and_resumes_data() {
    QTest::addColumn<MemoryFaultSite>("site");
    QTest::addColumn<int>("layer");
    QTest::addColumn<bool>("guard");
    QTest::addColumn<QStringList>("named");
    // Layers 1 and 2 are tuned at 128 and 256 tokens; layer 5 only the guard runs.
    QTest::newRow("evaluation") << MemoryFaultSite::Evaluate << 2 << true
                                << QStringList{"evaluating layer 2", "length 256"};
    QTest::newRow("capture") << MemoryFaultSite::LayerForward << 2 << false
                             << QStringList{"capture of layer 2", "256 tokens, layer 2"};
    QTest::newRow("guard") << MemoryFaultSite::LayerForward << 5 << true
                           << QStringList{"guard", "256 tokens, layer 5"};
  }
  void a_run_stops_naming_the_phase_and_resumes() {
    QFETCH(MemoryFaultSite, site);
    QFETCH(int, layer);
    QFETCH(bool, guard);
    QFETCH(QStringList, named);
    auto options = testing::demo_session_options();
    if (!options) QSKIP("the demo model is not present");
    options->engine.layers = {1, 2};
    options->perplexity_guard = guard;
    const engine::RunResult uninterrupted = run_session(*options);
    QVERIFY2(uninterrupted.status == engine::RunStatus::Succeeded, uninterrupted.message.c_str());

    QTemporaryDir dir;
    options->engine.journal_path = dir.filePath("run.jsonl").toStdString();
    engine::RunResult failed;
    {
      InjectedMemoryFault fault(site, layer, 256);
      failed = run_session(*options);
    }
    QCOMPARE(failed.status, engine::RunStatus::Failed);
    QVERIFY2(failed.out_of_memory, failed.message.c_str());
    const QString message = QString::fromStdString(failed.message);
    QVERIFY2(message.contains("CUDA out of memory"), qPrintable(message));
    for (const QString& words : named)
      QVERIFY2(message.contains(words), qPrintable(message + "\nlacks: " + words));

    // The journal is whole: resuming replays every record in it, measures the rest and ends
    // where the run that never failed ended.
    // The guard runs after the last evaluation: then every evaluation is in the journal.
    const std::int64_t journalled = evaluations_in(options->engine.journal_path);
    QVERIFY(journalled > 0);
    if (site == MemoryFaultSite::Evaluate || !guard) {
      QVERIFY(journalled < uninterrupted.counts.evaluations);
    } else {
      QCOMPARE(journalled, uninterrupted.counts.evaluations);
    }
    options->engine.resume = true;
    const engine::RunResult resumed = run_session(*options);
    QVERIFY2(resumed.status == engine::RunStatus::Succeeded, resumed.message.c_str());
    QCOMPARE(resumed.counts.replayed, journalled);
    QCOMPARE(resumed.counts.evaluations, uninterrupted.counts.evaluations);
    engine::testing::compare_heads(resumed, uninterrupted);
    if (guard) QCOMPARE(*resumed.perplexity_tuned, *uninterrupted.perplexity_tuned);
  }

  // A perplexity pass (the CLI's `perplexity`, the quality pass) names its windows' length
  // and the layer; an error that is not about memory is not marked.
  void a_perplexity_pass_names_its_length_and_layer() {
    auto options = testing::demo_session_options();
    if (!options) QSKIP("the demo model is not present");
    auto session = TuningSession::prepare(*options);
    QVERIFY(session.ok());
    Result<TuningSession::Measured> measured = Error{""};
    {
      InjectedMemoryFault fault(MemoryFaultSite::LayerForward, 3, 128);
      measured = (*session)->measure(nullptr, 128);
    }
    QVERIFY(!measured.ok());
    QVERIFY(measured.error().out_of_memory);
    const QString message = QString::fromStdString(measured.error().message);
    QVERIFY2(message.contains("perplexity in windows of 128 tokens") &&
                 message.contains("layer 3") && message.contains("CUDA out of memory"),
             qPrintable(message));
    QVERIFY((*session)->measure(nullptr, 128).ok());  // the fault gone, the pass runs

    auto too_short = (*session)->measure(nullptr, 1);
    QVERIFY(!too_short.ok());
    QVERIFY(!too_short.error().out_of_memory);
  }
};

QTEST_APPLESS_MAIN(TestOutOfMemory)
#include "tst_out_of_memory.moc"
