#pragma once

#include <string>

#include "core/engine/tuning_observer.h"

namespace afbs::cli {

// Shows a tuning run on stderr: a progress bar rewritten in place on a terminal (nothing when
// stderr is redirected) and the engine's log lines (unless `quiet_log`); `quiet` shows neither.
class TerminalProgress : public engine::TuningObserver {
 public:
  explicit TerminalProgress(bool quiet_log = false, bool quiet = false);
  ~TerminalProgress() override;

  void on_progress(const engine::Progress& progress) override;
  void on_layer_finished(const engine::LayerResult& result) override;
  void on_log(const std::string& line) override;

 private:
  void end_bar_line();

  bool terminal_;
  bool quiet_log_;
  bool bar_shown_ = false;
  double last_draw_seconds_ = -1.0;
};

// "1 h 02 min", "3 min 05 s", "12 s".
std::string format_duration(double seconds);

}  // namespace afbs::cli
