#!/usr/bin/env bash
# ThreadSanitizer (GCC) build of core and the workbench library in build-tsan/, then the
# suites named through ctest. Clean means zero reports: halt_on_error makes a report fail its
# suite. Not part of CI (docs/reliability.md, "Sanitizers"):
#   tools/tsan.sh            the engine and journal suites, clean
#   tools/tsan.sh SUITE...   these; the workbench's threaded suites (tst_tuning_worker,
#                            tst_workbench_messages, tst_escaped_exceptions) are NOT clean: Qt
#                            is not built with TSan, so its event queue's locks are invisible
#                            and every value handed to the worker thread is reported as a race
# Qt and GLib do not check their own calls here: tools/tsan.supp says why.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
  suites=(tst_tuning_engine tst_evaluation_journal)  # the engine and journal the worker runs
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
