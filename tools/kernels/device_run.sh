#!/usr/bin/env bash
# On the GPU machine: builds the kernels, their GPU check, afbs-bench and afbs-tune against the
# Python torch's libtorch (CUDA), runs the check (and compute-sanitizer on a small case), then
# B2, tools/kernels/bench_kernels.py with BENCH_ARGS; results into $OUT. Carry .devdeps (see
# tools/parity/device_run.sh for how to make it). Environment: SKIP_CHECK=1, SKIP_BENCH=1,
# SANITIZE=1, CHECK_SM80=0, CUDA_ARCHS=90, BENCH_ARGS="...", STEP_TIMEOUT=seconds (per step; a
# kernel that deadlocks must not eat the session's device time).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:-/tmp/kernels-out}"
mkdir -p "$out"
torch_prefix="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')"
start=$(date +%s)
cmake -S . -B build-device -G Ninja -DCMAKE_BUILD_TYPE=Release -DAFBS_BUILD_GUI=OFF \
  -DAFBS_WITH_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHS:-90}" -DAFBS_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$root/.devdeps" >"$out/configure.log" 2>&1 \
  || { tail -40 "$out/configure.log"; exit 1; }
grep "AFBS:" "$out/configure.log"
echo "configure: $(( $(date +%s) - start )) s"
cmake --build build-device --target check_kernels_on_gpu afbs-bench afbs-tune afbs_kernels_shared \
  -j "$(nproc)" \
  >"$out/build.log" 2>&1 || { grep -E "error" -A4 "$out/build.log" | head -80; exit 1; }
echo "build: $(( $(date +%s) - start )) s"
if [ "${SKIP_CHECK:-0}" != 1 ]; then
  timeout "${STEP_TIMEOUT:-300}" build-device/tests/gpu/check_kernels_on_gpu 2>&1 | tee "$out/check.txt" | tail -40
  if [ "${CHECK_SM80:-1}" = 1 ]; then
    echo "--- the same with the sm_80 path (AFBS_KERNELS_SM80=1):"
    AFBS_KERNELS_SM80=1 timeout "${STEP_TIMEOUT:-300}" build-device/tests/gpu/check_kernels_on_gpu 2>&1 | tee "$out/check-sm80.txt" | tail -4
  fi
  echo "check: $(( $(date +%s) - start )) s"
fi
if [ "${SANITIZE:-0}" = 1 ]; then
  for tool in memcheck racecheck; do
    AFBS_CHECK_SMALL=1 compute-sanitizer --tool $tool build-device/tests/gpu/check_kernels_on_gpu \
      >"$out/sanitizer-$tool.txt" 2>&1; echo "$tool exit $?"; tail -3 "$out/sanitizer-$tool.txt"
  done
fi
if [ "${SKIP_BENCH:-0}" != 1 ]; then
  PYTHONUNBUFFERED=1 timeout "${STEP_TIMEOUT:-300}" python3 tools/kernels/bench_kernels.py --lib build-device/kernels/libafbs_kernels.so \
    --out "$out" ${BENCH_ARGS:-} 2>&1 | grep -v Warning | tee "$out/bench.log" | tail -40
  echo "bench: $(( $(date +%s) - start )) s"
fi
