#include "app/workbench/responsiveness_probe.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPushButton>
#include <QTimer>
#include <cstdio>
#include <memory>

#include "core/common/atomic_file.h"
#include "ui/event_loop_probe.h"
#include "ui/main_window.h"
#include "ui/run_controller.h"
#include "ui/run_history.h"
#include "ui/run_panel.h"

namespace afbs::app {

void probe_responsiveness(ui::MainWindow& window, const QString& json_path) {
  auto* probe = new ui::EventLoopProbe(5, &window);
  auto wall = std::make_shared<QElapsedTimer>();
  QObject::connect(window.run_controller(), &ui::RunController::running_changed, &window,
                   [&window, probe, wall, json_path](bool running) {
                     if (running) return;
                     probe->stop();
                     // The window files the run in its history on the same signal: read it once
                     // that has happened.
                     QTimer::singleShot(0, &window, [&window, probe, wall, json_path] {
                       QJsonObject out{{"platform", QApplication::platformName()},
                                       {"probe_interval_ms", probe->interval_ms()},
                                       {"ticks", double(probe->stalls_ms().size())},
                                       {"max_stall_ms", probe->max_stall_ms()},
                                       {"max_stall_at_seconds", probe->max_stall_at_seconds()},
                                       {"p99_stall_ms", probe->stall_quantile_ms(0.99)},
                                       {"p50_stall_ms", probe->stall_quantile_ms(0.50)},
                                       {"run_wall_seconds", double(wall->elapsed()) / 1000.0}};
                       const auto& runs = window.run_history()->runs();
                       if (!runs.empty() && !runs.back().records.empty()) {
                         const ui::RunEntry& run = runs.back();
                         // The engine's own clock at its last evaluation: tuning time only.
                         const double engine_seconds = run.records.back().elapsed_seconds;
                         out["status"] = run.status;
                         out["evaluations"] = double(run.evaluations);
                         out["engine_seconds"] = engine_seconds;
                         out["evaluations_per_second"] =
                             engine_seconds > 0.0 ? double(run.evaluations) / engine_seconds : 0.0;
                       }
                       // Through the tools' one atomic writer (its folder is flushed too).
                       const QByteArray json = QJsonDocument(out).toJson();
                       if (Status written = write_file_atomically(
                               QFile::encodeName(json_path).toStdString(), json.toStdString());
                           !written) {
                         std::fprintf(stderr, "afbs-workbench: %s\n",
                                      written.error().message.c_str());
                         QApplication::exit(1);
                         return;
                       }
                       QApplication::exit(0);
                     });
                   });
  QTimer::singleShot(500, &window, [&window, probe, wall] {
    probe->start();
    wall->start();
    window.run_panel()->findChild<QPushButton*>("start")->click();
  });
}

}  // namespace afbs::app
