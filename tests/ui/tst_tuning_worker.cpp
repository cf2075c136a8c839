#include <QThread>
#include <QtTest>
#include <atomic>
#include <vector>

#include "tests/ui/fake_tuning_job.h"
#include "ui/run_controller.h"
#include "ui/tuning_bridge.h"

using afbs::engine::EvaluationRecord;
using afbs::engine::RunResult;
using afbs::engine::RunStatus;
using afbs::ui::RunController;
using afbs::ui::TuningBridge;
namespace testing = afbs::ui::testing;

namespace {

// Collects what the job reports, emitted on the test (GUI) thread.
struct RunRecorder : QObject {
  explicit RunRecorder(TuningBridge* reports) {
    connect(reports, &TuningBridge::evaluations, this,
            [this](const std::vector<EvaluationRecord>& batch) {
              records.insert(records.end(), batch.begin(), batch.end());
              ++batches;
            });
    connect(reports, &TuningBridge::log_line, this,
            [this](const QString& line) { logs.push_back(line); });
    connect(reports, &TuningBridge::progress, this,
            [this](const afbs::engine::Progress& step) { progress.push_back(step); });
    connect(reports, &TuningBridge::layer_finished, this,
            [this](const afbs::engine::LayerResult& layer) { layers.push_back(layer); });
    connect(reports, &TuningBridge::finished, this,
            [this](const RunResult& result) { results.push_back(result); });
  }
  std::vector<EvaluationRecord> records;
  int batches = 0;
  QStringList logs;
  std::vector<afbs::engine::Progress> progress;
  std::vector<afbs::engine::LayerResult> layers;
  std::vector<RunResult> results;
};

constexpr int kTimeoutMs = 30000;

}  // namespace

class TestTuningWorker : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void bridge_delivers_records_in_order_across_threads() {
    RunController controller;
    RunRecorder recorder(controller.reports());
    constexpr int kCount = 5000;
    std::atomic<QThread*> job_thread{nullptr};
    QVERIFY(controller.start([&](afbs::engine::TuningObserver& observer, auto control) {
      job_thread = QThread::currentThread();
      return testing::run_numbered_job(observer, control, kCount);
    }));
    QTRY_COMPARE_WITH_TIMEOUT(recorder.results.size(), std::size_t(1), kTimeoutMs);
    QVERIFY(job_thread.load() != nullptr && job_thread.load() != QThread::currentThread());
    QCOMPARE(int(recorder.records.size()), kCount);
    // Batched: far fewer queued events than records (one per 40 ms at most, and at the end).
    QVERIFY2(recorder.batches >= 1 && recorder.batches < kCount / 10,
             qPrintable(QString("%1 batches").arg(recorder.batches)));
    for (int i = 0; i < kCount; ++i) {
      const EvaluationRecord& got = recorder.records[std::size_t(i)];
      const EvaluationRecord expected = testing::numbered_record(i);
      QCOMPARE(got.call, std::int64_t(i));
      QCOMPARE(got.stage, expected.stage);
      QCOMPARE(got.length_tokens, expected.length_tokens);
      QCOMPARE(got.theta, expected.theta);
      QCOMPARE(got.lambda, expected.lambda);
      QCOMPARE(got.sparsity, expected.sparsity);
      QCOMPARE(got.error, expected.error);
      QCOMPARE(got.objective, expected.objective);
    }
    QCOMPARE(recorder.results[0].status, RunStatus::Succeeded);
    QCOMPARE(recorder.results[0].counts.evaluations, std::int64_t(kCount));
    QVERIFY(!controller.running());
  }

  void bridge_forwards_log_progress_and_layers() {
    RunController controller;
    RunRecorder recorder(controller.reports());
    controller.start([](afbs::engine::TuningObserver& observer, afbs::engine::RunControl) {
      observer.on_log("layer 3 started");
      afbs::engine::Progress step;
      step.layers_total = 4;
      step.fraction = 0.25;
      step.eta_seconds = 12.0;
      observer.on_progress(step);
      afbs::engine::LayerResult layer;
      layer.layer = 3;
      layer.heads.resize(2);
      layer.heads[1].head = 1;
      layer.heads[1].sparsity = 0.75;
      layer.heads[1].note = "kept dense: too few blocks";
      observer.on_layer_finished(layer);
      RunResult result;
      result.status = RunStatus::Succeeded;
      return result;
    });
    QTRY_COMPARE_WITH_TIMEOUT(recorder.results.size(), std::size_t(1), kTimeoutMs);
    QCOMPARE(recorder.logs, QStringList{"layer 3 started"});
    QCOMPARE(recorder.progress.size(), std::size_t(1));
    QCOMPARE(recorder.progress[0].eta_seconds, 12.0);
    QCOMPARE(recorder.progress[0].fraction, 0.25);
    QCOMPARE(recorder.layers.size(), std::size_t(1));
    QCOMPARE(recorder.layers[0].layer, 3);
    QCOMPARE(recorder.layers[0].heads.at(1).sparsity, 0.75);
    QCOMPARE(recorder.layers[0].heads.at(1).note, std::string("kept dense: too few blocks"));
  }

  void cancel_flag_stops_the_job_between_evaluations() {
    RunController controller;
    RunRecorder recorder(controller.reports());
    controller.start([](afbs::engine::TuningObserver& observer, afbs::engine::RunControl control) {
      return testing::run_numbered_job(observer, control, -1);  // endless until cancelled
    });
    QTRY_VERIFY_WITH_TIMEOUT(!recorder.records.empty(), kTimeoutMs);
    controller.cancel();  // sets the atomic directly: the worker's event loop is busy
    QTRY_COMPARE_WITH_TIMEOUT(recorder.results.size(), std::size_t(1), kTimeoutMs);
    const RunResult& result = recorder.results[0];
    QCOMPARE(result.status, RunStatus::Cancelled);
    QVERIFY(result.counts.evaluations > 0);
    // Every evaluation the job made was delivered, none after the result.
    QCOMPARE(std::int64_t(recorder.records.size()), result.counts.evaluations);
    QVERIFY(!controller.running());
  }

  void cancel_while_paused_ends_the_run() {
    RunController controller;
    RunRecorder recorder(controller.reports());
    QVERIFY(controller.start([](afbs::engine::TuningObserver& observer, auto control) {
      return testing::run_numbered_job(observer, control, -1);
    }));
    controller.set_paused(true);
    QVERIFY(controller.paused());
    controller.cancel();
    QTRY_COMPARE_WITH_TIMEOUT(recorder.results.size(), std::size_t(1), kTimeoutMs);
    QCOMPARE(recorder.results[0].status, RunStatus::Cancelled);
  }

  void second_start_is_refused_while_running_and_flags_reset_after() {
    RunController controller;
    RunRecorder recorder(controller.reports());
    QVERIFY(controller.start([](afbs::engine::TuningObserver& observer, auto control) {
      return testing::run_numbered_job(observer, control, -1);
    }));
    QVERIFY(!controller.start([](afbs::engine::TuningObserver&, auto) { return RunResult{}; }));
    controller.cancel();
    QTRY_VERIFY_WITH_TIMEOUT(!controller.running(), kTimeoutMs);
    QVERIFY(controller.start([](afbs::engine::TuningObserver& observer, auto control) {
      return testing::run_numbered_job(observer, control, 3);
    }));
    QTRY_COMPARE_WITH_TIMEOUT(recorder.results.size(), std::size_t(2), kTimeoutMs);
    QCOMPARE(recorder.results[0].status, RunStatus::Cancelled);
    QCOMPARE(recorder.results[1].status, RunStatus::Succeeded);
    QCOMPARE(recorder.results[1].counts.evaluations, std::int64_t(3));
  }

  void throwing_job_is_reported_as_failed() {
    RunController controller;
    RunRecorder recorder(controller.reports());
    controller.start([](afbs::engine::TuningObserver&, afbs::engine::RunControl) -> RunResult {
      throw std::runtime_error("evaluator exploded");
    });
    QTRY_COMPARE_WITH_TIMEOUT(recorder.results.size(), std::size_t(1), kTimeoutMs);
    QCOMPARE(recorder.results[0].status, RunStatus::Failed);
    QVERIFY(QString::fromStdString(recorder.results[0].message).contains("evaluator exploded"));
  }
};

QTEST_GUILESS_MAIN(TestTuningWorker)
#include "tst_tuning_worker.moc"
