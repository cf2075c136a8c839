#pragma once

// The engine schedules; a method policy decides what is evaluated. A policy gives, for each
// layer, its passes and each pass's head tasks (coroutines that co_await probes), then each
// head's result; after the last layer it may run an end-to-end stage (AFBS-BO's guard, the
// budget stage). The engine owns everything else: the layer order, pins, the scheduler and
// its batching, the ledger (counts, journal, cancel), progress and the observer. A new method
// is a new policy and touches no engine code.

#include <functional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/engine/head_task.h"
#include "core/engine/search_context.h"
#include "core/engine/tuning_engine.h"

namespace afbs::engine {

// What the engine offers a policy during a run. Layers are named by their index in the run's
// layer list (0 first), which is also their tuning order.
class RunHost {
 public:
  virtual ~RunHost() = default;

  virtual int heads() const = 0;
  virtual int layer_count() const = 0;
  virtual int layer_of(int layer_index) const = 0;  // the model's layer number
  // The layer's pins, read once when its first pass starts (empty before).
  virtual const PinSnapshot& pins(int layer_index) const = 0;
  // The context of a layer's head searches at the run's current targets (result().target_error).
  virtual SearchContext context(int layer_index) const = 0;

  // Drives tasks[h] for every head h through the layer's scheduler (tasks.size() == heads()).
  // Pinned heads' tasks are dropped unstarted: no policy evaluates a pinned head. `pass`
  // (< the policy's passes()) places the pass in the progress report.
  virtual Status run_pass(int layer_index, int pass, std::vector<HeadTask>& tasks) = 0;
  // A layer's result: pinned heads as pinned, every other head from head_result(head).
  virtual LayerResult assemble_layer(
      int layer_index, const std::function<HeadResult(int head)>& head_result) const = 0;
  // Records a (re)tuned layer in result().layers with the evaluations since `before`, and tells
  // the log, the observer and the progress report.
  virtual void finish_layer(int layer_index, LayerResult layer, const EvaluationCounts& before) = 0;
  // Tells the observer about a layer the policy settled itself (no progress report).
  virtual void report_layer(const LayerResult& layer) = 0;

  virtual const EvaluationCounts& counts() const = 0;  // the run's so far
  virtual bool can_measure_perplexity() const = 0;
  // One end-to-end measurement of `layers`, journalled and replayed (`label`: the ε multiplier
  // it stands for, 0 for dense; it must match on replay).
  virtual Result<double> measure_perplexity(double label,
                                            const std::vector<LayerResult>& layers) = 0;
  // The run's result so far: its layers, and the fields a policy fills (guard rounds, targets,
  // perplexities, budget probes).
  virtual RunResult& result() = 0;
  virtual void log(const std::string& line) = 0;
};

class MethodPolicy {
 public:
  virtual ~MethodPolicy() = default;

  // The journal header's method; a journal written by another method is refused.
  virtual std::string name() const = 0;
  // Before anything is evaluated: refuse what the method cannot run (its message names the
  // setting at fault) and forget any earlier run.
  virtual Status start_run(RunHost& host) = 0;
  virtual int passes() const = 0;  // per layer
  // The tasks of pass `pass` of a layer, one slot per head (an empty HeadTask for none). Pass 0
  // of a layer is asked for after every earlier layer finished.
  virtual std::vector<HeadTask> head_tasks(RunHost& host, int layer_index, int pass) = 0;
  // After a pass ran, e.g. to log what its heads found.
  virtual void pass_finished(RunHost& host, int layer_index, int pass) {}
  // An unpinned head's result after its layer's last pass.
  virtual HeadResult head_result(int layer_index, int head) const = 0;
  // After every layer: the end-to-end stage, if the method has one.
  virtual Status finish_run(RunHost& host) { return {}; }
};

// Shared by the engine and its policies.
EvaluationCounts minus(const EvaluationCounts& a, const EvaluationCounts& b);
void add(EvaluationCounts& total, const EvaluationCounts& more);
std::string format_number(double value);  // %.4g, for log lines

}  // namespace afbs::engine
