#!/usr/bin/env bash
# Device call 4 (session 6): a real out-of-memory on the H200 (issue 15). A second process takes
# all but FREE GiB of the GPU, then afbs-tune tunes a 2-layer llama2-7b-shaped checkpoint at
# 32768 tokens; its message, exit code and the journal's resume are recorded.
set -uo pipefail
o=/tmp/o; mkdir -p $o
SKIP_CHECK=1 SKIP_BENCH=1 OUT=$o/build bash tools/kernels/device_run.sh | tail -2
m=/tmp/synth2
build-device/app/afbs-bench synth-model --shape llama2-7b --layers 2 --device cuda --context 32768 --out $m > $o/synth.txt 2>&1 || { tail $o/synth.txt; exit 1; }
for i in 1 2 3; do cat resources/data/kjv-validation.txt; done > /tmp/text.txt
for free in 3 8; do
  rm -f /tmp/hog.ready
  python3 -c "
import torch, time
free, total = torch.cuda.mem_get_info()
x = torch.empty(free - $free * 2**30, dtype=torch.uint8, device='cuda')
open('/tmp/hog.ready', 'w').write(str(x.numel()))
time.sleep(240)" &
  hog=$!
  while [ ! -f /tmp/hog.ready ]; do sleep 0.5; done
  echo "=== $free GiB left free (hog $(cat /tmp/hog.ready) bytes)"
  start=$(date +%s)
  timeout 200 build-device/app/afbs-tune tune $m --text /tmp/text.txt --device cuda \
    --fidelities 8192,16384,32768 --journal $o/j$free.jsonl --out $o/cfg$free.json >$o/oom$free.out 2>$o/oom$free.err
  echo "exit $? after $(( $(date +%s) - start )) s; journal lines $(wc -l < $o/j$free.jsonl 2>/dev/null); config written: $(test -f $o/cfg$free.json && echo yes || echo no)"
  grep -v "^\[" $o/oom$free.err | tail -12
  kill $hog; wait $hog 2>/dev/null
done
tar czf $OUT/r4.tgz -C $o --exclude=build .
