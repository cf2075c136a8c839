#include "core/session/run_accounting.h"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

#include "core/common/host_memory.h"

namespace afbs {
namespace {

double lifetime_peak_resident_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return 1024.0 * static_cast<double>(usage.ru_maxrss);  // KiB on Linux
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", seconds);
  return text;
}

nlohmann::ordered_json optional_json(const std::optional<double>& value) {
  return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

}  // namespace

SessionCosts costs_since(const SessionCosts& before, const SessionCosts& after) {
  SessionCosts spent = after;
  spent.load_seconds -= before.load_seconds;
  spent.capture_seconds -= before.capture_seconds;
  spent.capture_passes -= before.capture_passes;
  spent.layer_forwards -= before.layer_forwards;
  spent.evaluator.reference -= before.evaluator.reference;
  spent.evaluator.predict -= before.evaluator.predict;
  spent.evaluator.attend -= before.evaluator.attend;
  spent.evaluator.device -= before.evaluator.device;
  return spent;
}

RunAccounting account_run(const SessionCosts& costs, const engine::RunResult& run,
                          double prepare_seconds, double run_seconds, double write_seconds) {
  RunAccounting a;
  a.load = costs.load_seconds;
  a.capture = costs.capture_seconds;
  a.reference = costs.evaluator.reference;
  a.predict = costs.evaluator.predict;
  a.attend = costs.evaluator.attend;
  a.evaluator_other = std::max(0.0, run.counts.seconds - a.reference - a.predict - a.attend);
  a.optimiser = run.engine_seconds.optimiser;
  a.guard = run.engine_seconds.perplexity;
  a.io = run.engine_seconds.journal + write_seconds;
  a.total = prepare_seconds + run_seconds + write_seconds;
  const double claimed = a.load + a.capture + a.reference + a.predict + a.attend +
                         a.evaluator_other + a.optimiser + a.guard + a.io;
  a.other = std::max(0.0, a.total - claimed);
  a.evaluations = run.counts.evaluations;
  a.replayed = run.counts.replayed;
  a.peak_host_bytes = lifetime_peak_resident_bytes();
  if (costs.peak_resident_at_load_bytes) {
    a.peak_host_bytes =
        std::max(a.peak_host_bytes, static_cast<double>(*costs.peak_resident_at_load_bytes));
  }
  if (costs.resident_after_load_bytes) {
    a.host_after_load_bytes = static_cast<double>(*costs.resident_after_load_bytes);
  }
  if (costs.peak_reset_after_load) {
    if (const auto peak = peak_resident_bytes()) {
      a.peak_host_after_load_bytes = static_cast<double>(*peak);
      a.peak_host_bytes = std::max(a.peak_host_bytes, *a.peak_host_after_load_bytes);
    }
  }
  if (costs.peak_device_bytes) a.peak_device_bytes = static_cast<double>(*costs.peak_device_bytes);
  const double tuning_seconds = run_seconds - a.guard;
  if (costs.evaluator.device > 0.0 && tuning_seconds > 0.0) {
    a.gpu_busy_fraction = std::min(1.0, costs.evaluator.device / tuning_seconds);
  }
  a.peak_capture_bytes = costs.peak_capture_bytes;
  a.capture_passes = costs.capture_passes;
  a.layer_forwards = costs.layer_forwards;
  return a;
}

nlohmann::ordered_json phase_seconds_json(const RunAccounting& a) {
  return {
      {"load", a.load},           {"capture", a.capture}, {"reference", a.reference},
      {"predict", a.predict},     {"attend", a.attend},   {"evaluator_other", a.evaluator_other},
      {"optimiser", a.optimiser}, {"guard", a.guard},     {"io", a.io},
      {"other", a.other},         {"total", a.total}};
}

nlohmann::ordered_json accounting_json(const RunAccounting& a) {
  return {{"phase_seconds", phase_seconds_json(a)},
          {"evaluations", a.evaluations},
          {"replayed_evaluations", a.replayed},
          {"peak_host_memory_bytes", a.peak_host_bytes},
          {"host_memory_after_load_bytes", optional_json(a.host_after_load_bytes)},
          {"peak_host_memory_after_load_bytes", optional_json(a.peak_host_after_load_bytes)},
          {"peak_device_memory_bytes", optional_json(a.peak_device_bytes)},
          {"gpu_busy_fraction", optional_json(a.gpu_busy_fraction)},
          {"peak_capture_bytes", a.peak_capture_bytes},
          {"capture_passes", a.capture_passes},
          {"layer_forwards", a.layer_forwards}};
}

std::string accounting_text(const RunAccounting& a) {
  std::string text = "phases            load " + seconds_text(a.load) + ", capture " +
                     seconds_text(a.capture) + ", reference " + seconds_text(a.reference) +
                     ", predict " + seconds_text(a.predict) + ", attend " + seconds_text(a.attend) +
                     ", evaluator other " + seconds_text(a.evaluator_other) + ", optimiser " +
                     seconds_text(a.optimiser) + ", guard " + seconds_text(a.guard) + ", I/O " +
                     seconds_text(a.io) + ", other " + seconds_text(a.other) + " (total " +
                     seconds_text(a.total) + ")\n";
  char memory[256];
  std::snprintf(memory, sizeof memory,
                "memory            peak host %.2f GB (after the load: %.2f GB, peak %.2f GB), "
                "peak captures %.3f GB (%d capture passes), ",
                a.peak_host_bytes / 1e9, a.host_after_load_bytes.value_or(0.0) / 1e9,
                a.peak_host_after_load_bytes.value_or(0.0) / 1e9,
                static_cast<double>(a.peak_capture_bytes) / 1e9, a.capture_passes);
  text += memory;
  if (a.peak_device_bytes) {
    std::snprintf(memory, sizeof memory, "peak device %.2f GB", *a.peak_device_bytes / 1e9);
    text += memory;
  } else {
    text += "peak device not measured";
  }
  if (a.gpu_busy_fraction) {
    std::snprintf(memory, sizeof memory, ", GPU busy <= %.0f %% while tuning",
                  100.0 * *a.gpu_busy_fraction);
    text += memory;
  }
  return text + "\n";
}

}  // namespace afbs
