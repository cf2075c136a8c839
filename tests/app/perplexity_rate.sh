#!/usr/bin/env bash
# afbs-tune perplexity's tokens/s counts the tokens its forwards ran (windows × length), not
# the whole text's: with --max-windows 2 of 128 tokens, rate × seconds is 256 tokens.
set -u
tune="$1"
json="$("$tune" perplexity --length 128 --max-windows 2 --threads 1 --json 2>/dev/null)" || {
  echo "afbs-tune perplexity failed" >&2; exit 1; }
python3 - "$json" <<'PY'
import json, sys
out = json.loads(sys.argv[1])
ran = out["windows"] * out["length"]
counted = out["tokens_per_second"] * out["seconds"]
if out["windows"] != 2 or abs(counted - ran) > 1e-6 * ran:
    sys.exit(f"tokens/s x seconds = {counted:.1f}, the forwards ran {ran} tokens")
PY
