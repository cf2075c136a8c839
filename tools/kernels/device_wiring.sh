#!/usr/bin/env bash
# On the GPU machine, after tools/kernels/device_run.sh built build-device/: the kernels in the
# product. Evaluator throughput (our kernels vs the ATen path), B1 with the evaluator on our
# kernels and on the ATen path (AFBS-BO both ways, grid on the kernels), a tuned config of the
# demo model and its perplexity with dense vs sparse tokens/s. Everything into $OUT/wiring.tgz.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:-/tmp/kernels-out}"
w="$out/wiring"
mkdir -p "$w"
bin=build-device/app
export OMP_WAIT_POLICY=PASSIVE
start=$(date +%s)
$bin/afbs-bench attention --device cuda --lengths 4096,16384 --calls 6 --repetitions 3 \
  --out "$w/evaluator-d64" 2>&1 | tail -4
$bin/afbs-bench attention --device cuda --lengths 4096,16384 --calls 6 --repetitions 3 \
  --heads 32 --kv-heads 8 --head-dim 128 --out "$w/evaluator-d128" 2>&1 | tail -4
echo "evaluator: $(( $(date +%s) - start )) s"
for path in kernels aten; do
  methods=afbs-bo; [ $path = kernels ] && methods=afbs-bo,grid
  $bin/afbs-bench tuning --device cuda --dtype f32 --fidelities 1024,2048,4096 --threads 16 \
    --methods $methods --statics none --evaluator-path $path --out "$w/b1-$path" 2>&1 | tail -6
  echo "b1 $path: $(( $(date +%s) - start )) s"
done
build-device/app/afbs-tune tune --device cuda --dtype f32 --fidelities 1024,2048,4096 \
  --out "$w/demo-cfg.json" 2>&1 | tail -3
for dtype in f32 bf16; do
  build-device/app/afbs-tune perplexity --device cuda --dtype $dtype --config "$w/demo-cfg.json" \
    --length 4096 2>&1 | tee "$w/perplexity-$dtype.txt" | tail -4
done
echo "wiring: $(( $(date +%s) - start )) s"
tar -czf "$out/wiring.tgz" -C "$out" wiring && rm -rf "$w"
