// The workbench's quality pass on CUDA (issue 12): after a run on the bundled demo model, every
// ladder length reports the device's measured peak (the CUDA allocator's, reset per length), and
// a longer length does not report less than a shorter one. A plain program: the GPU machine has
// no Qt. Exit 0: as expected; 1: not (printed); 77: no CUDA device or no demo model (skipped).
#include <ATen/Context.h>

#include <cstdio>
#include <vector>

#include "core/session/tuning_session.h"
#include "tests/session/demo_session.h"

int main() {
  if (!at::hasCUDA()) {
    std::puts("no CUDA device: skipped");
    return 77;
  }
  auto options = afbs::testing::demo_session_options();
  if (!options) {
    std::puts("no demo model: skipped");
    return 77;
  }
  options->device = "cuda";
  options->measure_quality = true;
  options->engine.fidelity_lengths = {512, 1024, 2048};
  auto session = afbs::TuningSession::prepare(*options);
  if (!session.ok()) {
    std::printf("FAILED to prepare: %s\n", session.error().message.c_str());
    return 1;
  }
  struct Collector : afbs::engine::TuningObserver {
    std::vector<afbs::engine::QualityPoint> points;
    void on_quality(const afbs::engine::QualityPoint& point) override { points.push_back(point); }
  } collector;
  const afbs::engine::RunResult run = (*session)->run(&collector);
  if (run.status != afbs::engine::RunStatus::Succeeded) {
    std::printf("FAILED run: %s\n", run.message.c_str());
    return 1;
  }
  int failures = 0;
  if (collector.points.size() != options->engine.fidelity_lengths.size()) {
    std::printf("MISMATCH %zu quality points for %zu lengths\n", collector.points.size(),
                options->engine.fidelity_lengths.size());
    ++failures;
  }
  double previous = 0.0;
  for (const afbs::engine::QualityPoint& point : collector.points) {
    if (!point.peak_device_bytes || *point.peak_device_bytes <= 0.0) {
      std::printf("MISMATCH length %d: no measured peak\n", point.length_tokens);
      ++failures;
      continue;
    }
    std::printf("length %5d: peak device %.1f MiB measured, K/V %.1f MiB dense computed\n",
                point.length_tokens, *point.peak_device_bytes / 1048576.0,
                point.kv_bytes_dense / 1048576.0);
    if (*point.peak_device_bytes < previous) {
      std::printf("MISMATCH length %d measured less than the length before\n", point.length_tokens);
      ++failures;
    }
    previous = *point.peak_device_bytes;
  }
  std::printf("%zu lengths, %d mismatches\n", collector.points.size(), failures);
  return failures == 0 ? 0 : 1;
}
