#!/usr/bin/env bash
# B4 (bench/results/gui/README.md): three interleaved rounds of the workbench's probe (offscreen
# and under Xvfb) and the headless run on the demo model, each engine's clock read alike: the
# elapsed seconds at its last head evaluation (the journal's guard records, head −1, excluded).
# Usage, from the repository root after a build: tools/b4-rounds.sh [OUT_DIR (/tmp/b4)]
set -uo pipefail
o=${1:-/tmp/b4}; mkdir -p $o
h=$(mktemp -d)
for i in 1 2 3; do
  XDG_CONFIG_HOME=$h/c XDG_DATA_HOME=$h/d QT_QPA_PLATFORM=offscreen \
    build/app/afbs-workbench --fresh --top-length 1024 --probe-responsiveness $o/offscreen-$i.json > /dev/null 2>&1
  XDG_CONFIG_HOME=$h/c XDG_DATA_HOME=$h/d xvfb-run -a -s "-screen 0 1366x768x24" \
    build/app/afbs-workbench --fresh --top-length 1024 --probe-responsiveness $o/xvfb-$i.json > /dev/null 2>&1
  rm -f $h/j$i.jsonl
  build/app/afbs-tune tune --out $h/cfg.json --fidelities 256,512,1024 --journal $h/j$i.jsonl --json > $o/headless-$i.json 2>/dev/null
  python3 - $h/j$i.jsonl $o/headless-$i.json $o/offscreen-$i.json $o/xvfb-$i.json <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
records = [r for r in lines if "elapsed" in r and r.get("head", -1) >= 0]
head = {"evaluations": len(records), "engine_seconds": records[-1]["elapsed"]}
print("headless", head)
for path in sys.argv[3:]:
    d = json.load(open(path))
    print(path.split("/")[-1], {k: d[k] for k in ("max_stall_ms", "p99_stall_ms", "evaluations", "engine_seconds")},
          "gui/headless throughput %.3f" % (head["engine_seconds"] / d["engine_seconds"] * d["evaluations"] / head["evaluations"]))
PY
done
uptime
