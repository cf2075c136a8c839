#!/usr/bin/env bash
# ASan + UBSan (GCC) build of core and the test suites that need neither a display nor a GPU,
# in build-sanitize/, then those suites through ctest. Clean means zero reports: every
# sanitizer report is fatal, so it fails its suite.
#   tools/sanitize.sh            the suites below (what CI runs)
#   tools/sanitize.sh SUITE...   only these
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
  suites=(
    tst_cli_args                                          # command lines, number lists
    tst_config_file tst_spargeattn_file                   # native config, pins, SpargeAttn .pt
    tst_failing_writes                                    # every writer, failing (EFBIG, EIO, ENOSPC)
    tst_protobuf_reader tst_tokenizer_loading             # tokenizer files
    tst_sentencepiece_tokenizer tst_byte_level_bpe_tokenizer tst_pretokenizer_pattern
    tst_unicode_nfc tst_pre_tokenizer tst_metaspace_bpe_tokenizer tst_tokenizer_fixtures
    tst_evaluation_journal tst_tuning_engine tst_afbs_stages   # engine, journal, resume
    tst_kernel tst_gaussian_process tst_lbfgs_minimizer tst_acquisition tst_sobol_sequence
    tst_bayesian_optimizer
  )
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$root/build-sanitize" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DAFBS_BUILD_GUI=OFF -DAFBS_BUILD_GPU_CHECKS=OFF -DAFBS_WITH_CUDA=OFF >/dev/null
cmake --build "$root/build-sanitize" -j "$(nproc)" --target "${suites[@]}"

pattern="^($(IFS='|'; echo "${suites[*]}"))\$"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
ctest --test-dir "$root/build-sanitize" -R "$pattern" --output-on-failure -j "$(nproc)"
echo "sanitize: ${#suites[@]} suites under ASan + UBSan, no reports"
