#pragma once

#include <QElapsedTimer>
#include <QObject>
#include <vector>

class QTimer;

namespace afbs::ui {

// Measures how responsive the GUI thread's event loop is (benchmark B4): a precise timer ticks
// every `interval_ms`; each tick records how late it came (its stall). A stall is time the event
// loop spent elsewhere — redrawing, handling a batch of evaluations — before it could tick.
class EventLoopProbe : public QObject {
  Q_OBJECT
 public:
  explicit EventLoopProbe(int interval_ms = 5, QObject* parent = nullptr);

  void start();
  void stop();
  int interval_ms() const { return interval_ms_; }
  // Every tick's lateness in ms, in order.
  const std::vector<double>& stalls_ms() const { return stalls_ms_; }
  double max_stall_ms() const;
  // When the longest stall ended, in seconds since start (where to look for its cause).
  double max_stall_at_seconds() const;
  // The stall that `fraction` (0..1) of the ticks did not exceed (nearest rank).
  double stall_quantile_ms(double fraction) const;

 private:
  int interval_ms_;
  QTimer* timer_;
  QElapsedTimer clock_;
  qint64 last_ns_ = 0;
  std::vector<double> stalls_ms_;
  std::vector<double> ticks_at_seconds_;
};

}  // namespace afbs::ui
