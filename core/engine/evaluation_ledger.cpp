#include "core/engine/evaluation_ledger.h"

#include <cmath>
#include <exception>
#include <string>
#include <thread>

namespace afbs::engine {
namespace {

std::string where(const EvaluationRequest& request) {
  return "layer " + std::to_string(request.layer) + ", window " + std::to_string(request.window) +
         ", length " + std::to_string(request.length_tokens);
}

}  // namespace

EvaluationLedger::EvaluationLedger(LayerEvaluator& evaluator, int top_length_tokens,
                                   TuningObserver* observer, RunControl control)
    : evaluator_(evaluator),
      top_length_tokens_(top_length_tokens),
      observer_(observer),
      control_(control) {}

void EvaluationLedger::attach_journal(std::unique_ptr<EvaluationJournal> journal,
                                      std::vector<EvaluationRecord> replay) {
  journal_ = std::move(journal);
  replay_ = std::move(replay);
  replay_position_ = 0;
  if (!replay_.empty()) replayed_elapsed_seconds_ = replay_.back().elapsed_seconds;
}

double EvaluationLedger::elapsed_seconds() const {
  if (!live_started_) return replayed_elapsed_seconds_;
  const std::chrono::duration<double> live = std::chrono::steady_clock::now() - live_start_;
  return replayed_elapsed_seconds_ + live.count();
}

bool EvaluationLedger::wait_while_paused() {
  while (control_.pause != nullptr && control_.pause->load()) {
    if (control_.cancel != nullptr && control_.cancel->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return control_.cancel == nullptr || !control_.cancel->load();
}

Result<std::vector<HeadMetrics>> EvaluationLedger::evaluate(const EvaluationRequest& request,
                                                            const std::vector<Label>& labels) {
  if (cancelled_ || (control_.cancel != nullptr && control_.cancel->load())) {
    cancelled_ = true;
    return Error{"cancelled"};
  }
  if (replaying()) return replay_call(request, labels);
  if (!wait_while_paused()) {
    cancelled_ = true;
    return Error{"cancelled"};
  }
  return live_call(request, labels);
}

Result<double> EvaluationLedger::measure_perplexity(
    double multiplier, double mean_sparsity, const std::function<Result<double>()>& measure) {
  if (cancelled_ || (control_.cancel != nullptr && control_.cancel->load())) {
    cancelled_ = true;
    return Error{"cancelled"};
  }
  const std::int64_t call = next_call_++;
  ++perplexity_measurements_;
  if (replaying()) {
    const EvaluationRecord& r = replay_[replay_position_];
    if (r.call != call || r.stage != Stage::Budget || r.theta != multiplier) {
      return Error{"journal " + journal_->path() + " does not match this run at call " +
                   std::to_string(call) + " (a perplexity measurement at ε multiplier " +
                   std::to_string(multiplier) + "): was it written by another version or input?"};
    }
    ++replay_position_;
    return r.objective;
  }
  if (!wait_while_paused()) {
    cancelled_ = true;
    return Error{"cancelled"};
  }
  if (!live_started_) {
    live_started_ = true;
    live_start_ = std::chrono::steady_clock::now();
  }
  const auto started = std::chrono::steady_clock::now();
  Result<double> perplexity = Error{""};
  try {
    perplexity = measure();
  } catch (const std::exception& e) {
    perplexity = Error{std::string("perplexity measure threw: ") + e.what()};
  }
  if (!perplexity) return perplexity.error();
  if (!std::isfinite(*perplexity)) return Error{"perplexity measure returned a non-finite value"};
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  engine_seconds_.perplexity += took.count();
  if (journal_) {
    EvaluationRecord r;
    r.call = call;
    r.layer = -1;
    r.head = -1;
    r.stage = Stage::Budget;
    r.window = -1;
    r.theta = multiplier;
    r.sparsity = mean_sparsity;
    r.objective = *perplexity;
    r.seconds = took.count();
    r.elapsed_seconds = elapsed_seconds();
    if (Status appended = append_to_journal({r}); !appended) return appended.error();
  }
  return *perplexity;
}

Result<std::vector<HeadMetrics>> EvaluationLedger::replay_call(const EvaluationRequest& request,
                                                               const std::vector<Label>& labels) {
  std::vector<HeadMetrics> metrics(request.settings.size());
  const std::int64_t call = next_call_++;
  for (std::size_t head = 0; head < request.settings.size(); ++head) {
    if (!request.active[head]) continue;
    if (!replaying()) {
      return Error{"journal " + journal_->path() + " ends inside call " + std::to_string(call)};
    }
    const EvaluationRecord& r = replay_[replay_position_];
    const HeadSetting& s = request.settings[head];
    if (r.call != call || r.layer != request.layer || r.head != static_cast<int>(head) ||
        r.window != request.window || r.length_tokens != request.length_tokens ||
        r.stage != labels[head].stage || r.theta != s.theta || r.tau != s.tau ||
        r.lambda != s.lambda) {
      return Error{"journal " + journal_->path() + " does not match this run at call " +
                   std::to_string(call) + " (" + where(request) + ", head " + std::to_string(head) +
                   "): was it written by another version or input?"};
    }
    metrics[head] = HeadMetrics{r.sparsity, r.error, r.skip_rate};
    ++replay_position_;
    count(r, true);
  }
  return metrics;
}

Result<std::vector<HeadMetrics>> EvaluationLedger::live_call(const EvaluationRequest& request,
                                                             const std::vector<Label>& labels) {
  if (!live_started_) {
    live_started_ = true;
    live_start_ = std::chrono::steady_clock::now();
  }
  if (Status ready = evaluator_.prepare_layer(request.layer); !ready) {
    return with_context("preparing layer " + std::to_string(request.layer), ready.error());
  }
  const auto started = std::chrono::steady_clock::now();
  Result<std::vector<HeadMetrics>> metrics = Error{""};
  try {
    metrics = evaluator_.evaluate(request);
  } catch (const std::exception& e) {
    metrics = Error{std::string("evaluator threw: ") + e.what()};
  }
  if (!metrics) {
    const std::string context = "evaluating " + where(request);
    // The attention evaluator names the call itself: say it once.
    if (metrics.error().message.rfind(context, 0) == 0) return metrics.error();
    return with_context(context, metrics.error());
  }
  if (metrics->size() != request.settings.size()) {
    return Error{"evaluator returned " + std::to_string(metrics->size()) + " heads for " +
                 where(request) + ", expected " + std::to_string(request.settings.size())};
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;

  std::size_t active = 0;
  for (bool a : request.active)
    active += a ? 1 : 0;
  const std::int64_t call = next_call_++;
  const double elapsed = elapsed_seconds();
  std::vector<EvaluationRecord> records;
  for (std::size_t head = 0; head < request.settings.size(); ++head) {
    if (!request.active[head]) continue;
    const HeadMetrics& m = (*metrics)[head];
    if (!std::isfinite(m.sparsity) || !std::isfinite(m.error) || !std::isfinite(m.skip_rate)) {
      return Error{"evaluator returned a non-finite metric for " + where(request) + ", head " +
                   std::to_string(head)};
    }
    const HeadSetting& s = request.settings[head];
    EvaluationRecord r;
    r.call = call;
    r.layer = request.layer;
    r.head = static_cast<int>(head);
    r.stage = labels[head].stage;
    r.length_tokens = request.length_tokens;
    r.window = request.window;
    r.theta = s.theta;
    r.tau = s.tau;
    r.lambda = s.lambda;
    r.sparsity = m.sparsity;
    r.error = m.error;
    r.skip_rate = m.skip_rate;
    r.objective = m.error <= labels[head].target_error ? m.sparsity : 0.0;
    r.seconds = took.count() / static_cast<double>(active);
    r.elapsed_seconds = elapsed;
    records.push_back(r);
  }
  if (journal_) {
    if (Status appended = append_to_journal(records); !appended) return appended.error();
  }
  for (const EvaluationRecord& r : records)
    count(r, false);
  return metrics;
}

Status EvaluationLedger::append_to_journal(const std::vector<EvaluationRecord>& records) {
  const auto started = std::chrono::steady_clock::now();
  Status appended = journal_->append(records);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  engine_seconds_.journal += took.count();
  return appended;
}

void EvaluationLedger::count(const EvaluationRecord& record, bool replayed) {
  const double ratio =
      static_cast<double>(record.length_tokens) / static_cast<double>(top_length_tokens_);
  counts_.evaluations += 1;
  counts_.weighted_evaluations += ratio * ratio;
  counts_.seconds += record.seconds;
  if (replayed) counts_.replayed += 1;
  records_.push_back(record);
  if (observer_ != nullptr) observer_->on_evaluation(record);
}

}  // namespace afbs::engine
