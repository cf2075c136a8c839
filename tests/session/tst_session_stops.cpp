// Cancel and pause act in every phase of a session on the demo model, not only between
// evaluations: Q/K/V capture, the guard's perplexity passes and the quality pass each stop
// within one window of work, and their elapsed time leaves pauses out.
#include <QtTest>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "core/session/tuning_session.h"
#include "tests/session/demo_session.h"

using namespace afbs;

namespace {

// Two tune and two validation windows, so a stop after the first window is seen.
std::optional<SessionOptions> small_options() {
  auto options = testing::demo_session_options();
  if (!options) return std::nullopt;
  options->tune_windows = 2;
  options->validation_windows = 2;
  options->measure_quality = true;
  return options;
}

// Tuning a layer short of the last: the stream never passes the last layer, so the dense
// model's perplexity is not scored by the capture and the guard measures it in a pass.
std::optional<SessionOptions> options_with_a_dense_guard_pass() {
  auto options = small_options();
  if (options) options->engine.layers = {4};
  return options;
}

// Hears every phase; once `stop_phase` has finished its first window, raises `flag`.
struct PhaseRecorder : engine::TuningObserver, engine::PhaseObserver {
  std::string stop_phase;
  std::atomic<bool>* flag = nullptr;
  std::mutex mutex;
  std::vector<engine::PhaseProgress> seen;
  bool raised = false;
  std::vector<std::string> after_raise;  // phases reported after the flag went up

  void on_phase(const engine::PhaseProgress& progress) override {
    std::lock_guard lock(mutex);
    seen.push_back(progress);
    if (raised) after_raise.push_back(progress.phase + " " + std::to_string(progress.done));
    if (!raised && progress.phase == stop_phase && progress.done == 1) {
      raised = true;
      flag->store(true);
    }
  }
  int windows_in(const std::string& phase) {
    std::lock_guard lock(mutex);
    int most = 0;
    for (const auto& p : seen)
      if (p.phase == phase) most = std::max(most, p.done);
    return most;
  }
};

}  // namespace

class TestSessionStops : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void cancel_during_up_front_capture_stops_after_one_window() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    options->stream_layers = false;
    std::atomic<bool> cancel{false};
    PhaseRecorder recorder;
    recorder.stop_phase = "capture Q/K/V";
    recorder.flag = &cancel;
    auto session = TuningSession::prepare(*options, {}, StopFlags{&cancel, nullptr}, &recorder);
    QVERIFY(!session.ok());
    QCOMPARE(QString::fromStdString(session.error().message), QString("cancelled"));
    QCOMPARE(recorder.windows_in("capture Q/K/V"), 1);  // of 4
    QVERIFY(recorder.after_raise.empty());
  }

  // Streaming, the capture is part of the run: a cancel in it cancels the run.
  void cancel_during_streamed_capture_stops_after_one_window() {
    auto options = small_options();
    if (!options) QSKIP("the demo model is not present");
    std::atomic<bool> cancel{false};
    PhaseRecorder recorder;
    recorder.stop_phase = "capture Q/K/V of layer 5";
    recorder.flag = &cancel;
    auto session = TuningSession::prepare(*options, {}, StopFlags{&cancel, nullptr}, &recorder);
    QVERIFY2(session.ok(), session.ok() ? "" : session.error().message.c_str());
    QCOMPARE(recorder.windows_in("capture Q/K/V of layer 5"), 0);  // nothing captured yet
    const engine::RunResult run = (*session)->run(&recorder, engine::RunControl{&cancel, nullptr});
    QCOMPARE(run.status, engine::RunStatus::Cancelled);
    QCOMPARE(run.counts.evaluations, int64_t(0));
    QCOMPARE(recorder.windows_in("capture Q/K/V of layer 5"), 1);  // of 4
    QVERIFY(recorder.after_raise.empty());
  }

  void cancel_during_a_perplexity_pass_stops_after_one_window_data() {
    QTest::addColumn<QString>("phase");
    QTest::addColumn<int>("status");
    // A cancel in the guard cancels the run; one in the quality pass keeps the tuned result.
    QTest::newRow("guard dense") << "guard: dense perplexity" << int(engine::RunStatus::Cancelled);
    QTest::newRow("guard tuned") << "guard round 1: tuned perplexity"
                                 << int(engine::RunStatus::Cancelled);
    QTest::newRow("quality") << "quality at 128 tokens: dense perplexity"
                             << int(engine::RunStatus::Succeeded);
  }
  void cancel_during_a_perplexity_pass_stops_after_one_window() {
    QFETCH(QString, phase);
    QFETCH(int, status);
    auto options = options_with_a_dense_guard_pass();
    if (!options) QSKIP("the demo model is not present");
    auto session = TuningSession::prepare(*options);
    QVERIFY2(session.ok(), session.ok() ? "" : session.error().message.c_str());
    std::atomic<bool> cancel{false};
    PhaseRecorder recorder;
    recorder.stop_phase = phase.toStdString();
    recorder.flag = &cancel;
    const engine::RunResult run = (*session)->run(&recorder, engine::RunControl{&cancel, nullptr});
    QVERIFY2(recorder.raised, "the phase never ran");
    QCOMPARE(int(run.status), status);
    QCOMPARE(recorder.windows_in(phase.toStdString()), 1);
    QVERIFY2(recorder.after_raise.empty(),
             recorder.after_raise.empty() ? "" : recorder.after_raise.front().c_str());
  }

  void pause_holds_a_pass_and_its_time_leaves_the_pause_out() {
    auto options = options_with_a_dense_guard_pass();
    if (!options) QSKIP("the demo model is not present");
    auto session = TuningSession::prepare(*options);
    QVERIFY(session.ok());
    std::atomic<bool> pause{false};
    std::atomic<bool> cancel{false};
    PhaseRecorder recorder;
    recorder.stop_phase = "guard: dense perplexity";
    recorder.flag = &pause;
    constexpr double kPauseSeconds = 0.8;
    std::atomic<bool> run_over{false};  // a phase that never runs must not hang the suite
    std::thread resumer([&] {
      while (!pause.load() && !run_over.load())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::this_thread::sleep_for(std::chrono::duration<double>(kPauseSeconds));
      pause = false;
    });
    const auto started = std::chrono::steady_clock::now();
    const engine::RunResult run = (*session)->run(&recorder, engine::RunControl{&cancel, &pause});
    run_over = true;
    resumer.join();
    QVERIFY2(recorder.raised, "the guard's dense pass never ran");
    QCOMPARE(run.status, engine::RunStatus::Succeeded);
    double pass_seconds = 0;
    double first_window_seconds = 0;
    for (const auto& p : recorder.seen) {
      if (p.phase != "guard: dense perplexity") continue;
      if (p.done == 1) first_window_seconds = p.elapsed_seconds;
      if (p.done == p.total) pass_seconds = p.elapsed_seconds;
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    QVERIFY(wall > kPauseSeconds);
    // The pass took its windows' time, not the pause: 4 windows at the first one's pace.
    QVERIFY2(
        pass_seconds < kPauseSeconds * 0.5 + 6 * first_window_seconds,
        qPrintable(
            QString("pass %1 s, first window %2 s").arg(pass_seconds).arg(first_window_seconds)));
    // And each report carried an ETA once a window was done.
    for (const auto& p : recorder.seen)
      if (p.done > 0 && p.total > 0) QVERIFY(p.eta_seconds >= 0);
  }
};

QTEST_MAIN(TestSessionStops)
#include "tst_session_stops.moc"
