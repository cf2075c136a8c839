#!/usr/bin/env bash
# B5 on the GPU machine: builds afbs-tune/afbs-bench with the CUDA kernels (as
# tools/kernels/device_run.sh does), writes a random-weight checkpoint of SHAPE at context
# CONTEXT, and tunes it on CUDA with --json, sampling the GPU's utilisation and memory with
# nvidia-smi every 200 ms meanwhile (an independent check of the busy share the tool reports).
# Results into $OUT: tune.json, tune.err (progress), time.txt (/usr/bin/time -v), smi.csv.
# Environment: SHAPE (llama2-7b), CONTEXT (32768), FIDELITIES (8192,16384,32768), LAYERS
# (default: every layer), TEXT (calibration text; default: the bundled one repeated REPEAT=3
# times, which 4 windows of 32768 tokens need), TUNE_TIMEOUT (seconds, 540), EXTRA (more
# afbs-tune arguments).
# Carry .devdeps (see tools/parity/device_run.sh).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:-/tmp/b5-out}"
mkdir -p "$out"
SKIP_CHECK=1 SKIP_BENCH=1 OUT="$out/build" bash tools/kernels/device_run.sh | tail -3 || exit 1
model="$root/build-device/synth-${SHAPE:-llama2-7b}-${CONTEXT:-32768}"
if [ ! -f "$model/config.json" ]; then
  start=$(date +%s)
  build-device/app/afbs-bench synth-model --shape "${SHAPE:-llama2-7b}" --device cuda \
    --context "${CONTEXT:-32768}" --out "$model" || exit 1
  echo "synth-model: $(( $(date +%s) - start )) s, $(du -sh "$model" | cut -f1)"
fi
text="${TEXT:-/tmp/calibration-x${REPEAT:-3}.txt}"
if [ -z "${TEXT:-}" ]; then
  for _ in $(seq "${REPEAT:-3}"); do cat resources/data/kjv-validation.txt; done >"$text"
fi
nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader,nounits \
  -lms 200 >"$out/smi.csv" &
smi=$!
start=$(date +%s)
timeout "${TUNE_TIMEOUT:-540}" /usr/bin/time -v -o "$out/time.txt" build-device/app/afbs-tune tune \
  "$model" --text "$text" --device cuda --fidelities "${FIDELITIES:-8192,16384,32768}" \
  ${LAYERS:+--layers "$LAYERS"} ${EXTRA:-} --out "$out/cfg.json" --json \
  >"$out/tune.json" 2>"$out/tune.err"
echo "tune exit $?: $(( $(date +%s) - start )) s"
kill $smi
tail -5 "$out/tune.err"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
try:
    d = json.load(open(f"{out}/tune.json"))
    print(json.dumps({k: v for k, v in d.items() if k != "heads"}, indent=1))
except Exception as e:
    print("no summary:", e)
rows = [l.split(", ") for l in open(f"{out}/smi.csv") if l.count(",") == 2]
util = [float(r[1]) for r in rows]
mem = [float(r[2]) for r in rows]
if util:
    print(f"nvidia-smi: {len(util)} samples, mean utilisation {sum(util)/len(util):.1f} %, "
          f"share of samples > 0: {sum(u > 0 for u in util)/len(util):.2f}, "
          f"peak memory used {max(mem)/1024:.1f} GiB")
PY
