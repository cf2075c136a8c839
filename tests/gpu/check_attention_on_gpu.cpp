// The GPU paths against the CPU reference, as a plain program: the GPU machine has no Qt, so
// the QtTest suites cannot run there. Exit 0: all agree; 1: a mismatch (printed); 77: no CUDA
// device (ctest reports it skipped).
#include <ATen/Context.h>

#include <cstdio>

#include "tests/attention/aten_path_check.h"

int main() {
  if (!at::hasCUDA()) {
    std::puts("no CUDA device: skipped");
    return 77;
  }
  const at::Device cuda(at::kCUDA);
  int failures = 0;
  int cases = 0;
  int64_t skipped = 0;
  const int64_t shapes[][3] = {
      {640, 64, 64}, {600, 64, 64}, {450, 128, 64}, {450, 64, 128}, {4096, 64, 64}};
  for (const auto& shape : shapes) {
    const afbs::test::AtenPathCheck check =
        afbs::test::check_aten_path(cuda, shape[0], shape[1], shape[2]);
    cases += check.cases;
    skipped += check.skipped_blocks;
    for (const std::string& failure : check.failures) {
      std::printf("MISMATCH %s\n", failure.c_str());
      ++failures;
    }
  }
  if (skipped == 0) {
    std::puts("MISMATCH the PV-skip rule never fired");
    ++failures;
  }
  std::printf("%d cases on cuda, %d mismatches, %lld PV-skipped blocks\n", cases, failures,
              static_cast<long long>(skipped));
  return failures == 0 ? 0 : 1;
}
