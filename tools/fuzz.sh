#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ (clang-14, ASan + UBSan) in build-fuzz/ and runs
# each over its committed corpus (fuzz/corpus/<harness>/) for SECONDS (default 60).
#   tools/fuzz.sh                      every harness, 60 s each (CI: tools/fuzz.sh 30)
#   tools/fuzz.sh 600 fuzz_journal     one harness for ten minutes
#   AFBS_JOBS=1 tools/fuzz.sh ...      build with one job (default: every core)
#   AFBS_FUZZ_BUILD=0 tools/fuzz.sh ...  run the harnesses as built, without rebuilding (a long
#                                      run under nice, while the sources change)
#   AFBS_FUZZ_TIMEOUT=60 tools/fuzz.sh ...  seconds one input may take (default 10). The clock
#                                      is the wall's: under `nice -n 19` on a loaded machine a
#                                      95 ms input once took 12 s, so raise it there.
# A crash, leak, sanitizer report or timeout fails the script and leaves the input in
# build-fuzz/findings/; turn it into a regression test before fixing it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
shift || true
all=(fuzz_spargeattn_file fuzz_native_config fuzz_model_config fuzz_safetensors
     fuzz_safetensors_index fuzz_tokenizer_json fuzz_sentencepiece fuzz_journal fuzz_cli)
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=("${all[@]}")

if [ "${AFBS_FUZZ_BUILD:-1}" != 0 ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_CXX_COMPILER=clang++-14 "${launcher[@]}" \
    -DCMAKE_CXX_FLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined" \
    -DAFBS_BUILD_FUZZERS=ON -DAFBS_BUILD_GUI=OFF -DAFBS_BUILD_TESTS=OFF -DAFBS_BUILD_GPU_CHECKS=OFF \
    -DAFBS_WITH_CUDA=OFF -DAFBS_WARNINGS_AS_ERRORS=OFF >/dev/null
  cmake --build "$root/build-fuzz" -j "${AFBS_JOBS:-$(nproc)}" --target "${harnesses[@]}"
fi

mkdir -p "$root/build-fuzz/findings"
failed=()
for harness in "${harnesses[@]}"; do
  work="$(mktemp -d)"  # new inputs go here; the committed corpus is only read
  echo "fuzz: $harness for ${seconds} s"
  if ! UBSAN_OPTIONS=print_stacktrace=1 "$root/build-fuzz/fuzz/$harness" \
      -max_total_time="$seconds" -timeout="${AFBS_FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$root/build-fuzz/findings/$harness-" \
      "$work" "$root/fuzz/corpus/$harness" >"$root/build-fuzz/findings/$harness.log" 2>&1; then
    failed+=("$harness")
    tail -40 "$root/build-fuzz/findings/$harness.log" >&2
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$root/build-fuzz/findings/$harness.log" |
    tr '\n' ' ' | sed "s/^/fuzz: $harness: /;s/$/\n/"
  rm -rf "$work"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: findings in ${failed[*]} (inputs in build-fuzz/findings/)" >&2
  exit 1
fi
echo "fuzz: ${#harnesses[@]} harnesses, ${seconds} s each, no findings"
