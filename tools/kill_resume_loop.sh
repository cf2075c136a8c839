#!/usr/bin/env bash
# kill -9 at random moments of one tuning run, KILLS times, each time started again with
# --resume; then the run is finished and its per-head settings compared with those of an
# uninterrupted run (issue 15). On demand, not in CI (a few minutes):
#   tools/kill_resume_loop.sh [KILLS (20)] [AFBS_TUNE (build/app/afbs-tune)]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
kills="${1:-20}"
tune="${2:-$root/build/app/afbs-tune}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
common=(--fidelities 128,256,512 --no-guard --threads 1 --seed 5)

"$tune" tune --out "$work/full.json" "${common[@]}" >/dev/null
resume=()
for i in $(seq 1 "$kills"); do
  "$tune" tune --out "$work/cut.json" "${common[@]}" --journal "$work/run.jsonl" "${resume[@]}" \
    >/dev/null 2>&1 &
  pid=$!
  # Loading and capturing come first: wait for the journal to move, then kill at random.
  before="$(wc -l <"$work/run.jsonl" 2>/dev/null || echo 0)"
  for _ in $(seq 1 600); do
    now="$(wc -l <"$work/run.jsonl" 2>/dev/null || echo 0)"
    [ "$now" -gt "$before" ] || [ "$now" -gt 0 -a "$before" -eq 0 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 0.4 * rand() }')"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ -f "$work/run.jsonl" ] && resume=(--resume)
  echo "kill $i: journal has $(wc -l <"$work/run.jsonl" 2>/dev/null || echo 0) lines"
done
rm -f "$work/cut.json"
"$tune" tune --out "$work/cut.json" "${common[@]}" --journal "$work/run.jsonl" "${resume[@]}" >/dev/null
heads() { sed -n '/"layers": \[/,$p' "$1"; }
diff <(heads "$work/full.json") <(heads "$work/cut.json") >&2
echo "kill_resume_loop: $kills kills, resumed to the identical config"
