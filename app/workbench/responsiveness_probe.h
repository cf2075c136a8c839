#pragma once

#include <QString>

namespace afbs::ui {
class MainWindow;
}

namespace afbs::app {

// Benchmark B4 inside the real application: starts a run as Start would, measures the GUI event
// loop's stalls with an EventLoopProbe while it goes, and when it ends writes `json_path` (max,
// p99 and p50 stall, the run's evaluations and the engine's evaluations per second) and quits.
// A file that cannot be written is reported on stderr and the exit status is 1.
void probe_responsiveness(ui::MainWindow& window, const QString& json_path);

}  // namespace afbs::app
