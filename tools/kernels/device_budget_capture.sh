#!/usr/bin/env bash
# On the GPU machine, after tools/kernels/device_run.sh built build-device/: the demo model's
# perplexity-budget configs (1 %, per-layer sensitivity; 64x64 and 128x64 blocks) timed on the
# real capture (bench_capture.py, against FA2, cuDNN and Flex on the same masks) and inside the
# model (afbs-tune perplexity --compare-dense: dense vs sparse tokens/s at 4096 tokens).
# CONFIG_DIR=DIR times DIR/budget-cfg-{64x64,128x64}.json instead of tuning them anew.
# Everything into $OUT/budget-capture.tgz (a device call returns few files).
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:-/tmp/budget-capture-out}"
w="$out/budget-capture"
cap="${CAPTURE_DIR:-/tmp/afbs-capture}"
mkdir -p "$w" "$cap"
bin=build-device/app
start=$(date +%s)
folders=""
for layer in 0 1 2 3 4 5; do
  [ -f "$cap/layer$layer/capture.json" ] || $bin/afbs-bench capture --layer $layer --windows 8 \
    --length 4096 --device cuda --out "$cap/layer$layer" 2>&1 | tail -1
  folders="$folders${folders:+,}$cap/layer$layer"
done
echo "capture: $(( $(date +%s) - start )) s"
for blocks in ${BLOCKS:-64x64 128x64}; do
  cfg="$w/budget-cfg-$blocks.json"
  if [ -n "${CONFIG_DIR:-}" ]; then  # configs tuned earlier (the same command), timed again
    cp "$CONFIG_DIR/budget-cfg-$blocks.json" "$cfg"
  else
    $bin/afbs-tune tune --device cuda --dtype f32 --fidelities 1024,2048,4096 --threads 16 \
      --perplexity-budget 1% --layer-sensitivity --blocks $blocks --out "$cfg" 2>&1 \
      | tee "$w/tune-$blocks.txt" | tail -4
  fi
  python3 tools/kernels/bench_capture.py --lib build-device/kernels/libafbs_kernels.so \
    --config "$cfg" --capture "$folders" --out "$w/capture-$blocks" 2>&1 | grep -v Warning | tail -2
  $bin/afbs-tune perplexity --device cuda --dtype bf16 --length 4096 --config "$cfg" \
    --compare-dense 2>&1 | tee "$w/perplexity-$blocks.txt" | tail -3
  echo "$blocks: $(( $(date +%s) - start )) s"
done
tar -czf "$out/budget-capture.tgz" -C "$out" budget-capture
