#!/usr/bin/env bash
# B5 memory check on this 2-core CPU machine: a llama2-7b-shaped random checkpoint cut to 4
# layers (afbs-bench synth-model --shape llama2-7b --layers 4), streamed capture of 1 layer vs
# all 4, and all 4 captured up front; then AFBS-BO on layer 0 alone, for its time.
set -euo pipefail
bin=${BIN:-build/app}  # the run: build/app/afbs-tune of db500e3 less one line (see README.md)
model=${MODEL:-/tmp/synth-llama2-7b-4layers}  # afbs-bench synth-model --shape llama2-7b --layers 4 --context 4096 --out $model
out=${OUT:-bench/results/scale/cpu-memory}
common="--fidelities 256,512 --tune-windows 1 --validation-windows 1 --no-guard --dtype bf16 --threads 2 --json"
while read -r name args; do
  mkdir -p $out
  echo "afbs-tune tune $model --out $out/$name-config.json $common $args" > $out/$name.command
  /usr/bin/time -v $bin/afbs-tune tune $model --out $out/$name-config.json $common $args > $out/$name.json 2> $out/$name.stderr
done <<'RUNS'
layer0-stream --layers 0 --capture stream --method static --preset topk:0.5
all4-stream --capture stream --method static --preset topk:0.5
all4-upfront --capture up-front --method static --preset topk:0.5
layer0-afbs-bo --layers 0
RUNS
echo done > $out/finished
