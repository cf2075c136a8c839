#!/usr/bin/env bash
# ThreadSanitizer (GCC) build of core and the workbench library in build-tsan/, then the
# suites named through ctest. Clean means zero reports: halt_on_error makes a report fail its
# suite. CI (.ci/run) runs the four worker/run-controller suites (tst_thread_mailbox,
# tst_tuning_worker, tst_workbench_messages, tst_escaped_exceptions); docs/reliability.md,
# "ThreadSanitizer":
#   tools/tsan.sh            ThreadMailbox, the engine and journal, and every workbench suite
#                            that starts the worker thread without libtorch (the run controller,
#                            the worker, the window's runs, escaped exceptions): clean
#   tools/tsan.sh SUITE...   these; tst_head_picture_panel (pictures computed on the worker:
#                            afbs_attention with TSan, +7 min here) and tst_session_stops
#                            tst_session_job_log (real model sessions: the torch users with
#                            TSan, +14 min here) are clean too
# Every value that crosses between the GUI and worker threads goes through ThreadMailbox
# (core/common/thread_mailbox.h, a std::mutex TSan sees); Qt's queued signals only wake the
# other side and carry nothing. Qt and GLib do not check their own calls: tools/tsan.supp.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
  suites=(tst_thread_mailbox tst_tuning_engine tst_evaluation_journal
    tst_tuning_worker tst_convergence_chart tst_workbench_messages tst_escaped_exceptions
    tst_main_window tst_retune_selected tst_run_details tst_run_history tst_safe_inputs
    tst_view_export tst_workbench_session tst_workbench_snapshot)
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
