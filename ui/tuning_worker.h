#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <vector>

#include "ui/tuning_job.h"
#include "ui/tuning_metatypes.h"

namespace afbs::ui {

class TuningBridge;

// Runs one tuning job at a time on the thread it was moved to and re-emits what the job
// reports. Cancel and pause are atomics that any thread sets directly (never queued slots, so
// they take effect while the worker's event loop is busy running the job); the engine reads
// them between evaluations.
class TuningWorker : public QObject {
  Q_OBJECT
 public:
  TuningWorker();  // no parent: it is moved to its thread

  void request_cancel() { cancel_.store(true); }
  void set_paused(bool paused) { pause_.store(paused); }
  bool cancel_requested() const { return cancel_.load(); }
  bool paused() const { return pause_.load(); }
  // Clears both flags; call before queueing a new run.
  void reset_flags();

  // Executes job on the calling thread (the worker's), then emits finished. A job that throws
  // is reported as a failed run, never propagated into the event loop.
  void run(const TuningJob& job);

 Q_SIGNALS:
  // Batches of evaluations, in order, at most one per TuningBridge::kBatchInterval.
  void evaluations(const std::vector<afbs::engine::EvaluationRecord>& records);
  void layer_finished(const afbs::engine::LayerResult& result);
  void progress(const afbs::engine::Progress& progress);
  void log_line(const QString& line);
  void quality(const afbs::engine::QualityPoint& point);
  void phase(const afbs::engine::PhaseProgress& progress);
  void finished(const afbs::engine::RunResult& result);

 private:
  TuningBridge* bridge_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> pause_{false};
};

}  // namespace afbs::ui
