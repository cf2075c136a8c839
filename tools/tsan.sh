#!/usr/bin/env bash
# ThreadSanitizer (GCC) build of core, the workbench library and the suites that run work on
# more than one thread (the run controller and its worker thread, pause and cancel from
# another thread, the engine and journal under them), in build-tsan/, then those suites
# through ctest. Clean means zero reports: halt_on_error makes any report fail its suite.
#   tools/tsan.sh            the suites below
#   tools/tsan.sh SUITE...   only these
# Qt and libtorch are not built with TSan: tools/tsan.supp names what is theirs (docs/reliability.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
  suites=(
    tst_tuning_worker tst_workbench_messages   # RunController, TuningWorker, queued signals
    tst_escaped_exceptions                     # exceptions from the worker thread
    tst_tuning_engine tst_evaluation_journal   # the engine and journal the worker runs
  )
  # tst_session_stops (pause and cancel of a real model's session from another thread) needs
  # the torch libraries built with TSan too, which takes an hour here: tools/tsan.sh tst_session_stops.
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$root/build-tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" \
  -DAFBS_BUILD_GPU_CHECKS=OFF -DAFBS_WITH_CUDA=OFF >/dev/null
cmake --build "$root/build-tsan" -j "${AFBS_JOBS:-$(nproc)}" --target "${suites[@]}"

pattern="^($(IFS='|'; echo "${suites[*]}"))\$"
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tools/tsan.supp"
export OMP_NUM_THREADS=1  # libgomp is not instrumented; the suites need no intra-op threads
ctest --test-dir "$root/build-tsan" -R "$pattern" --output-on-failure -j "$(nproc)"
echo "tsan: ${#suites[@]} suites under ThreadSanitizer, no reports"
