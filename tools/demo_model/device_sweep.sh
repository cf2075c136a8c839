#!/usr/bin/env bash
# Runs on the GPU machine, from the repository root: trains train.py once per setting (each a
# comma-separated list of CONFIG overrides; the corpus is small, so the schedule's length and
# regularisation decide the result), keeps the run with the lowest validation loss, and leaves
# in OUTDIR: log.txt, sweep.json (every run's summary,
# perplexities and per-layer block mass), the winner's training.json, attention_blocks.json,
# config.json and its model.safetensors split in two parts (the transfer takes files < 16 MB).
set -euo pipefail
out=${1:?usage: device_sweep.sh OUTDIR [key=value,key=value ...]...}
shift
if [ $# -gt 0 ]; then settings=("$@"); else
  # The sweep that chose the committed model: cosine schedules that end decayed, longer ones
  # with more dropout (the corpus is seen 10-30 times).
  settings=(max_steps=300,dropout=0.1 max_steps=400,dropout=0.1 max_steps=400,dropout=0.2
            max_steps=600,dropout=0.2 max_steps=600,dropout=0.3 max_steps=800,dropout=0.3)
fi
export PYTHONUNBUFFERED=1
work=$(mktemp -d)
for setting in "${settings[@]}"; do
  echo "=== $setting" | tee -a "$out/log.txt"
  sets=()
  IFS=, read -ra pairs <<<"$setting"
  for pair in "${pairs[@]}"; do sets+=(--set "$pair"); done
  python3 tools/demo_model/train.py --out "$work/${setting//,/_}" "${sets[@]}" 2>&1 \
    | grep -v '^{"layer"' | tee -a "$out/log.txt"
done
python3 - "$work" "$out" <<'EOF'
import hashlib, json, pathlib, shutil, sys
work, out = map(pathlib.Path, sys.argv[1:])
runs = {}
for d in sorted(work.iterdir()):
    t = json.loads((d / "training.json").read_text())
    a = json.loads((d / "attention_blocks.json").read_text())
    runs[d.name] = dict(dropout=t["config"]["dropout"], max_steps=t["config"]["max_steps"], summary=t["summary"], val_ppl=t["val_ppl"],
                        hf_check=t.get("hf_check"), layers=a["layers"])
best = min(runs, key=lambda k: runs[k]["summary"]["best_val_loss"])
data = (work / best / "kjv-llama" / "model.safetensors").read_bytes()
sha = hashlib.sha256(data).hexdigest()
(out / "sweep.json").write_text(json.dumps(dict(best=best, sha256=sha, runs=runs), indent=1) + "\n")
for f in ("training.json", "attention_blocks.json"):
    shutil.copy(work / best / f, out / f)
shutil.copy(work / best / "kjv-llama" / "config.json", out / "config.json")
half = len(data) // 2
(out / "model.safetensors.part0").write_bytes(data[:half])
(out / "model.safetensors.part1").write_bytes(data[half:])
print("best", best, "sha256", sha)
EOF
