#include "ui/event_loop_probe.h"

#include <QTimer>
#include <algorithm>
#include <cmath>

namespace afbs::ui {

EventLoopProbe::EventLoopProbe(int interval_ms, QObject* parent)
    : QObject(parent), interval_ms_(std::max(1, interval_ms)), timer_(new QTimer(this)) {
  timer_->setTimerType(Qt::PreciseTimer);
  timer_->setInterval(interval_ms_);
  connect(timer_, &QTimer::timeout, this, [this] {
    const qint64 now = clock_.nsecsElapsed();
    const double late_ms = double(now - last_ns_) / 1e6 - interval_ms_;
    stalls_ms_.push_back(std::max(0.0, late_ms));
    ticks_at_seconds_.push_back(double(now) / 1e9);
    last_ns_ = now;
  });
}

void EventLoopProbe::start() {
  stalls_ms_.clear();
  ticks_at_seconds_.clear();
  clock_.start();
  last_ns_ = 0;
  timer_->start();
}

void EventLoopProbe::stop() {
  timer_->stop();
}

double EventLoopProbe::max_stall_ms() const {
  return stalls_ms_.empty() ? 0.0 : *std::max_element(stalls_ms_.begin(), stalls_ms_.end());
}

double EventLoopProbe::max_stall_at_seconds() const {
  if (stalls_ms_.empty()) return 0.0;
  const auto at = std::max_element(stalls_ms_.begin(), stalls_ms_.end()) - stalls_ms_.begin();
  return ticks_at_seconds_[std::size_t(at)];
}

double EventLoopProbe::stall_quantile_ms(double fraction) const {
  if (stalls_ms_.empty()) return 0.0;
  std::vector<double> sorted = stalls_ms_;
  std::sort(sorted.begin(), sorted.end());
  const double rank = std::ceil(std::clamp(fraction, 0.0, 1.0) * double(sorted.size()));
  const auto index = static_cast<std::size_t>(std::max(1.0, rank)) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace afbs::ui
