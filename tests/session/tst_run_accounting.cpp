// The accounting a tuning run reports (afbs-tune --json, afbs-bench tuning): its phases add
// up to the wall time measured around the run, nothing is negative, and device figures
// appear only where something measured them.
#include <QtTest>

#include "core/common/host_memory.h"
#include "core/session/run_accounting.h"

using namespace afbs;

namespace {

SessionCosts cpu_costs() {
  SessionCosts costs;
  costs.load_seconds = 1.0;
  costs.capture_seconds = 2.0;
  costs.evaluator = EvaluatorSeconds{0.5, 0.25, 1.25, 0.0};
  costs.peak_capture_bytes = 4096;
  costs.capture_passes = 1;
  costs.layer_forwards = 24;
  return costs;
}

engine::RunResult run_result() {
  engine::RunResult run;
  run.counts.evaluations = 700;
  run.counts.seconds = 2.5;  // evaluator calls: 0.5 more than reference + predict + attend
  run.engine_seconds = engine::EngineSeconds{0.75, 3.0, 0.125};
  return run;
}

}  // namespace

class TestRunAccounting : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void a_later_run_is_accounted_alone() {
    // The workbench's session lives on: the second run's phases are its own, its peaks the
    // session's.
    SessionCosts after = cpu_costs();
    after.load_seconds = 1.0;  // no second load
    after.capture_seconds = 5.0;
    after.capture_passes = 2;
    after.layer_forwards = 30;
    after.evaluator = EvaluatorSeconds{0.75, 1.0, 2.0, 0.5};
    after.peak_capture_bytes = 8192;
    const SessionCosts spent = costs_since(cpu_costs(), after);
    QCOMPARE(spent.load_seconds, 0.0);
    QCOMPARE(spent.capture_seconds, 3.0);
    QCOMPARE(spent.capture_passes, 1);
    QCOMPARE(spent.layer_forwards, int64_t{6});
    QCOMPARE(spent.evaluator.reference, 0.25);
    QCOMPARE(spent.evaluator.predict, 0.75);
    QCOMPARE(spent.evaluator.attend, 0.75);
    QCOMPARE(spent.evaluator.device, 0.5);
    QCOMPARE(spent.peak_capture_bytes, int64_t{8192});
  }

  void phases_add_up_to_the_wall_time() {
    // prepare 1.5 (load 1.0), run 9.0 (capture 2, evaluator 2.5, optimiser 0.75, guard 3,
    // journal 0.125), write 0.375.
    const RunAccounting a = account_run(cpu_costs(), run_result(), 1.5, 9.0, 0.375);
    QCOMPARE(a.total, 10.875);
    QCOMPARE(a.evaluator_other, 0.5);
    QCOMPARE(a.io, 0.5);
    QCOMPARE(a.guard, 3.0);
    QCOMPARE(a.optimiser, 0.75);
    const double sum = a.load + a.capture + a.reference + a.predict + a.attend + a.evaluator_other +
                       a.optimiser + a.guard + a.io + a.other;
    QCOMPARE(sum, a.total);
    QCOMPARE(a.other, 10.875 - 1.0 - 2.0 - 2.5 - 0.75 - 3.0 - 0.5);
    QCOMPARE(a.evaluations, int64_t(700));
    QVERIFY(a.peak_host_bytes > 0.0);
    QVERIFY(!a.peak_device_bytes.has_value());
    QVERIFY(!a.gpu_busy_fraction.has_value());
    QVERIFY(!a.peak_host_after_load_bytes.has_value());  // no reset was made

    const nlohmann::ordered_json json = accounting_json(a);
    QVERIFY(json["peak_device_memory_bytes"].is_null());
    QVERIFY(json["gpu_busy_fraction"].is_null());
    QCOMPARE(json["phase_seconds"]["total"].get<double>(), a.total);
    QCOMPARE(json["layer_forwards"].get<int64_t>(), int64_t(24));
    for (const char* key : {"load", "capture", "reference", "predict", "attend", "evaluator_other",
                            "optimiser", "guard", "io", "other"}) {
      QVERIFY2(json["phase_seconds"].contains(key), key);
    }
    QVERIFY(QString::fromStdString(accounting_text(a)).contains("peak device not measured"));
  }

  // Linux's marks: after a reset the peak is this process's RSS from then on, not its past.
  void host_memory_after_the_load() {
    std::vector<char> ballast(size_t(64) << 20, 1);  // 64 MiB touched, then freed
    QVERIFY(ballast.back() == 1);
    ballast = {};
    ballast.shrink_to_fit();
    const auto before = peak_resident_bytes();
    QVERIFY(before.has_value());
    QVERIFY(reset_peak_resident_bytes());
    const auto after = peak_resident_bytes();
    const auto now = resident_bytes();
    QVERIFY(after.has_value() && now.has_value());
    QVERIFY2(*after < *before - (int64_t(32) << 20),
             qPrintable(QString("peak %1 after the reset, %2 before").arg(*after).arg(*before)));
    QVERIFY(*after >= *now - (int64_t(1) << 20));

    SessionCosts costs = cpu_costs();
    costs.resident_after_load_bytes = *now;
    costs.peak_reset_after_load = true;
    const RunAccounting a = account_run(costs, run_result(), 1.5, 9.0, 0.375);
    QVERIFY(a.peak_host_after_load_bytes.has_value());
    QVERIFY(*a.peak_host_after_load_bytes <= a.peak_host_bytes);
    QCOMPARE(*a.host_after_load_bytes, static_cast<double>(*now));
  }

  // Timers that overlap the wall clock (a clock skew, a resumed run's journal seconds) never
  // make `other` negative.
  void other_is_never_negative() {
    const RunAccounting a = account_run(cpu_costs(), run_result(), 0.1, 0.1, 0.0);
    QCOMPARE(a.other, 0.0);
  }

  // On a GPU: the evaluator's device seconds over the tuning's wall time (the run less the
  // guard), capped at 1; the allocator's peak passes through.
  void device_figures_where_measured() {
    SessionCosts costs = cpu_costs();
    costs.evaluator.device = 3.0;
    costs.peak_device_bytes = int64_t(5) << 30;
    const RunAccounting a = account_run(costs, run_result(), 1.5, 9.0, 0.375);
    QVERIFY(a.gpu_busy_fraction.has_value());
    QCOMPARE(*a.gpu_busy_fraction, 3.0 / 6.0);
    QCOMPARE(*a.peak_device_bytes, 5.0 * (1 << 30));
    QVERIFY(QString::fromStdString(accounting_text(a)).contains("GPU busy <= 50 %"));
  }
};

QTEST_APPLESS_MAIN(TestRunAccounting)
#include "tst_run_accounting.moc"
