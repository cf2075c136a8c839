// The workbench's real jobs (app/workbench/session_job_factory) on the bundled demo model at
// tiny lengths: every run's log ends with where its time went, and a later run of the same
// session is accounted alone (its load is not counted again).
#include <QtTest>

#include <atomic>
#include <string>
#include <vector>

#include "app/workbench/session_job_factory.h"
#include "core/common/resource_paths.h"

using namespace afbs;

namespace {

struct LogLines : engine::TuningObserver {
  std::vector<std::string> lines;
  void on_log(const std::string& line) override { lines.push_back(line); }
};

// The accounting's phase line of the run `log` saw last.
std::string phase_line(const LogLines& log) {
  for (auto it = log.lines.rbegin(); it != log.lines.rend(); ++it)
    if (it->rfind("phases", 0) == 0) return *it;
  return {};
}

}  // namespace

class TestSessionJobLog : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void each_run_logs_where_its_time_went() {
    auto model = find_demo_model();
    auto root = find_resource_root();
    QVERIFY(model && root);
    SessionOptions base;
    base.model_dir = *model;
    base.text = *root / "data" / "kjv-validation.txt";
    base.tune_windows = 1;
    base.validation_windows = 1;
    base.perplexity_guard = false;
    base.engine.fidelity_lengths = {128, 256};
    base.engine.layers = {5};
    const ui::TuningJobFactory jobs = app::make_session_job_factory(base);
    const std::atomic<bool> cancel{false}, pause{false};

    LogLines first;
    const engine::RunResult run = jobs(base.engine, {})(first, {&cancel, &pause});
    QCOMPARE(run.status, engine::RunStatus::Succeeded);
    const std::string phases = phase_line(first);
    QVERIFY2(phases.find("attend") != std::string::npos, phases.c_str());
    QVERIFY2(phases.find("load 0.00 s") == std::string::npos, phases.c_str());  // it loaded
    QVERIFY(first.lines.back().find("memory") != std::string::npos);

    LogLines second;  // the same session: the model stays loaded
    QCOMPARE(jobs(base.engine, {})(second, {&cancel, &pause}).status, engine::RunStatus::Succeeded);
    const std::string again = phase_line(second);
    QVERIFY2(again.find("load 0.00 s") != std::string::npos, again.c_str());
  }
};

QTEST_GUILESS_MAIN(TestSessionJobLog)
#include "tst_session_job_log.moc"
