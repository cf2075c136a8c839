#!/usr/bin/env bash
# SIGINT during `afbs-tune tune` (issue 15): the run ends with exit 130, no config written,
# the journal whole and the resume command printed; that command then finishes the run with
# exactly the per-head settings of an uninterrupted run.
#   interrupt_and_resume.sh AFBS_TUNE
set -euo pipefail
tune="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
common=(--layers 4-5 --fidelities 128,256 --no-guard --threads 1 --seed 3)

"$tune" tune --out "$work/full.json" "${common[@]}" >/dev/null
"$tune" tune --out "$work/cut.json" "${common[@]}" --journal "$work/run.jsonl" \
  >/dev/null 2>"$work/stderr" &
pid=$!
for _ in $(seq 1 1200); do
  [ -f "$work/run.jsonl" ] && [ "$(wc -l <"$work/run.jsonl")" -ge 30 ] && break
  sleep 0.05
done
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
if [ "$rc" -ne 130 ]; then
  echo "exit code $rc, expected 130" >&2
  cat "$work/stderr" >&2
  exit 1
fi
grep -q "interrupted (SIGINT)" "$work/stderr"
grep -q "resume with:" "$work/stderr"
[ ! -e "$work/cut.json" ] || { echo "a config was written after the interrupt" >&2; exit 1; }
resume="$(grep -A1 "resume with:" "$work/stderr" | tail -1 | sed 's/^ *afbs-tune //')"
eval "\"$tune\" $resume" >/dev/null

# The heads' settings must agree; the summary (seconds, counts) may not.
heads() { sed -n '/"layers": \[/,$p' "$1"; }
if ! diff <(heads "$work/full.json") <(heads "$work/cut.json") >&2; then
  echo "the resumed run's config differs from the uninterrupted run's" >&2
  exit 1
fi
echo "interrupted after $(wc -l <"$work/run.jsonl") journal lines; resumed to the same config"
