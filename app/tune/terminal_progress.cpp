#include "app/tune/terminal_progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace afbs::cli {

std::string format_duration(double seconds) {
  if (!(seconds >= 0)) return "?";
  const long total = std::lround(seconds);
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%ld h %02ld min", total / 3600, total % 3600 / 60);
  } else if (total >= 60) {
    std::snprintf(text, sizeof text, "%ld min %02ld s", total / 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%ld s", total);
  }
  return text;
}

TerminalProgress::TerminalProgress(bool quiet_log, bool quiet)
    : terminal_(!quiet && ::isatty(STDERR_FILENO) == 1), quiet_log_(quiet_log || quiet) {}

TerminalProgress::~TerminalProgress() {
  end_bar_line();
}

void TerminalProgress::end_bar_line() {
  if (bar_shown_) std::fputc('\n', stderr);
  bar_shown_ = false;
}

void TerminalProgress::on_progress(const engine::Progress& progress) {
  if (!terminal_) return;
  // At most ~10 redraws a second, however fast evaluations arrive.
  if (last_draw_seconds_ >= 0 && progress.elapsed_seconds - last_draw_seconds_ < 0.1 &&
      progress.fraction < 1.0) {
    return;
  }
  last_draw_seconds_ = progress.elapsed_seconds;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(std::lround(progress.fraction * kWidth));
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '-');
  const std::string eta =
      progress.eta_seconds >= 0 ? "ETA " + format_duration(progress.eta_seconds) : "ETA ?";
  std::fprintf(stderr, "\r[%s] %3d%%  layer %d/%d  %lld evaluations  %s  %s   ", bar.c_str(),
               static_cast<int>(std::lround(progress.fraction * 100)), progress.layers_done,
               progress.layers_total, static_cast<long long>(progress.counts.evaluations),
               format_duration(progress.elapsed_seconds).c_str(), eta.c_str());
  std::fflush(stderr);
  bar_shown_ = true;
}

void TerminalProgress::on_layer_finished(const engine::LayerResult&) {
  end_bar_line();
}

void TerminalProgress::on_log(const std::string& line) {
  if (quiet_log_) return;
  end_bar_line();
  std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace afbs::cli
