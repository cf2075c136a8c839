#!/usr/bin/env bash
# On the GPU machine: builds afbs-bench against the Python torch's libtorch, then runs the
# logits parity check and the forward benchmark against transformers, results into $OUT.
# Eigen and nlohmann-json headers, and libpcre2/libutf8proc (headers and static libraries),
# travel in .devdeps/ (a copy of Debian's, in a CMake prefix layout) because that machine has
# none of them. Make it here (ignored by git) and name it in the run's `carry`:
#   mkdir -p .devdeps/include .devdeps/lib .devdeps/share/cmake .devdeps/share/eigen3
#   cp -r /usr/include/nlohmann /usr/include/eigen3 .devdeps/include/
#   cp /usr/include/pcre2.h /usr/include/utf8proc.h .devdeps/include/
#   cp /usr/lib/x86_64-linux-gnu/libpcre2-8.a /usr/lib/x86_64-linux-gnu/libutf8proc.a .devdeps/lib/
#   cp -r /usr/share/eigen3/cmake .devdeps/share/eigen3/
#   cp -r /usr/share/cmake/nlohmann_json .devdeps/share/cmake/
#   echo /.devdeps/ >> .git/info/exclude
# Environment: SKIP_PARITY=1, SKIP_BENCH=1, BENCH_ARGS="--skip-gpu --cpu-rounds 2",
# PARITY_CASES=qwen3_qk_norm,phi3_fused,gemma2,gemma2_d256 (default: every case) ...
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:-/tmp/parity-out}"
mkdir -p "$out"
torch_prefix="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')"
start=$(date +%s)
cmake -S . -B build-parity -G Ninja -DCMAKE_BUILD_TYPE=Release -DAFBS_BUILD_GUI=OFF \
  -DAFBS_WITH_CUDA=OFF -DAFBS_BUILD_TESTS=OFF \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$root/.devdeps" >"$out/configure.log" 2>&1 \
  || { tail -40 "$out/configure.log"; exit 1; }
echo "configure: $(( $(date +%s) - start )) s"
cmake --build build-parity --target afbs-bench -j "$(nproc)" >"$out/build.log" 2>&1 \
  || { grep -E "error|Error" -A4 "$out/build.log" | head -60; exit 1; }
echo "build: $(( $(date +%s) - start )) s"
export PYTHONUNBUFFERED=1
bench="$root/build-parity/app/afbs-bench"
[ "${SKIP_PARITY:-0}" = 1 ] || python3 tools/parity/check_logits.py --bench "$bench" --out "$out" ${PARITY_CASES:+--cases "$PARITY_CASES"} 2>&1 | grep -v Warning
echo "parity done: $(( $(date +%s) - start )) s"
[ "${SKIP_BENCH:-0}" = 1 ] || python3 tools/parity/bench_forward.py --bench "$bench" --out "$out" ${BENCH_ARGS:-} 2>&1 | grep -v Warning
echo "all done: $(( $(date +%s) - start )) s"
