#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "core/engine/evaluation_journal.h"
#include "core/engine/layer_evaluator.h"
#include "core/engine/tuning_observer.h"

namespace afbs::engine {

// Flags the caller sets from another thread; the engine reads them between evaluations.
struct RunControl {
  const std::atomic<bool>* cancel = nullptr;
  const std::atomic<bool>* pause = nullptr;
};

// Where the engine's own time went, wall seconds of live work (a replayed call costs none).
struct EngineSeconds {
  double optimiser = 0.0;   // head tasks between probes: ask/tell, GP fits, bisection steps
  double perplexity = 0.0;  // end-to-end measurements (the guard's, the budget stage's)
  double journal = 0.0;     // journal appends, flushes included
};

// The one door to the evaluator that every method goes through, so all are counted alike:
// checks cancel and pause, replays the journal on resume, times and counts live calls,
// journals them and tells the observer about every evaluation.
class EvaluationLedger {
 public:
  // What labels the records of one head in a call.
  struct Label {
    Stage stage = Stage::Exploration;
    double target_error = 0.0;
  };

  EvaluationLedger(LayerEvaluator& evaluator, int top_length_tokens, TuningObserver* observer,
                   RunControl control);

  // Records to replay in place of evaluator calls, and where to journal live ones.
  void attach_journal(std::unique_ptr<EvaluationJournal> journal,
                      std::vector<EvaluationRecord> replay);

  // Scores request's heads; labels has one entry per head (used for active heads only).
  // Errors: cancelled (see cancelled()), an evaluator failure, non-finite metrics, a journal
  // that does not match this run, or a journal write failure.
  Result<std::vector<HeadMetrics>> evaluate(const EvaluationRequest& request,
                                            const std::vector<Label>& labels);

  // One end-to-end perplexity measurement (the guard's, the budget search's), journalled as a
  // `budget` line so that a resume replays the number instead of measuring again: the searches
  // that read it then take the same branches. `multiplier` labels it (the ε multiplier, 0 for
  // dense) and must match on replay; `mean_sparsity` is stored for the reader. Not counted
  // as an evaluation and not shown to the observer. Errors: cancelled, the measure's own,
  // a journal that does not match.
  Result<double> measure_perplexity(double multiplier, double mean_sparsity,
                                    const std::function<Result<double>()>& measure);
  int perplexity_measurements() const { return perplexity_measurements_; }
  // The scheduler adds the time its head tasks ran between probes.
  void add_optimiser_seconds(double seconds) { engine_seconds_.optimiser += seconds; }
  const EngineSeconds& engine_seconds() const { return engine_seconds_; }

  bool cancelled() const { return cancelled_; }
  bool replaying() const { return replay_position_ < replay_.size(); }
  const EvaluationCounts& counts() const { return counts_; }
  const std::vector<EvaluationRecord>& records() const { return records_; }
  double elapsed_seconds() const;
  int top_length_tokens() const { return top_length_tokens_; }
  TuningObserver* observer() const { return observer_; }

 private:
  Result<std::vector<HeadMetrics>> replay_call(const EvaluationRequest& request,
                                               const std::vector<Label>& labels);
  Result<std::vector<HeadMetrics>> live_call(const EvaluationRequest& request,
                                             const std::vector<Label>& labels);
  bool wait_while_paused();
  Status append_to_journal(const std::vector<EvaluationRecord>& records);
  void count(const EvaluationRecord& record, bool replayed);

  LayerEvaluator& evaluator_;
  int top_length_tokens_;
  TuningObserver* observer_;
  RunControl control_;
  std::unique_ptr<EvaluationJournal> journal_;
  std::vector<EvaluationRecord> replay_;
  std::size_t replay_position_ = 0;
  std::int64_t next_call_ = 0;
  bool cancelled_ = false;
  EvaluationCounts counts_;
  EngineSeconds engine_seconds_;
  std::vector<EvaluationRecord> records_;
  int perplexity_measurements_ = 0;
  double replayed_elapsed_seconds_ = 0.0;
  std::chrono::steady_clock::time_point live_start_;
  bool live_started_ = false;
};

}  // namespace afbs::engine
