#!/usr/bin/env bash
# On the GPU machine: builds libafbs_kernels.so once per set of compile definitions and runs
# B2 (bench_kernels.py with BENCH_ARGS) on each, side by side in one session; results under
# $OUT/<n>/. Usage: compare_variants.sh "" "-DAFBS_SM90_RING=3" ...  (each argument one variant;
# "" is the default build). Carry .devdeps as for device_run.sh.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:-/tmp/kernels-out}"
torch_prefix="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')"
index=0
for flags in "$@"; do
  dir="build-variant-$index"
  mkdir -p "$out/$index"
  echo "=== variant $index: ${flags:-default}"
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAFBS_BUILD_GUI=OFF -DAFBS_WITH_CUDA=ON \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DAFBS_BUILD_TESTS=OFF -DCMAKE_CUDA_FLAGS="$flags" \
    -DCMAKE_PREFIX_PATH="$torch_prefix;$root/.devdeps" >"$out/$index/configure.log" 2>&1 &&
    cmake --build "$dir" --target afbs_kernels_shared -j "$(nproc)" >"$out/$index/build.log" 2>&1 ||
    { tail -20 "$out/$index/build.log"; index=$((index + 1)); continue; }
  timeout "${STEP_TIMEOUT:-300}" python3 tools/kernels/bench_kernels.py \
    --lib "$dir/kernels/libafbs_kernels.so" --out "$out/$index" ${BENCH_ARGS:-} 2>&1 |
    grep -v Warning | grep "^|" | tail -12
  index=$((index + 1))
done
