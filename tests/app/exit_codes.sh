#!/usr/bin/env bash
# afbs-tune's exit codes (README "Exit codes") and its per-command help with defaults.
set -u
tune="$1"
fails=0
expect() {  # expect CODE ARGS...: the exit code of afbs-tune ARGS
  local want="$1"; shift
  "$tune" "$@" >/dev/null 2>&1
  local got=$?
  if [ "$got" -ne "$want" ]; then echo "afbs-tune $*: exit $got, expected $want" >&2; fails=1; fi
}
expect 0 --help
expect 0 tune --help
expect 2                                  # no command: help on stdout, usage error
expect 2 frobnicate                       # unknown command
expect 2 tune --out x.json --bogus        # unknown option
expect 2 check                            # missing argument
expect 1 check /no-such-config.json       # bad input: names the file
expect 1 tune --out x.json --l1 2         # bad value
expect 1 tune --out x.json --blocks 96x64  # a block shape the kernels lack
case "$("$tune" tune --out x.json --blocks 96x64 2>&1)" in
  *"--blocks: '96x64' is not 64x64, 128x64 or 64x128"*) ;;
  *) echo "tune --blocks 96x64 does not name the setting" >&2; fails=1 ;;
esac
# Pins tuned for 64x64 blocks are refused by a 128x64 run, before the model loads.
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
if "$tune" tune --out "$tmp/pins.json" --method static --preset dense --layers 5 --fidelities 64 \
    --no-guard --quiet >/dev/null 2>&1; then
  # (small --layers and --fidelities: were the check to go, the run would still end quickly)
  refused=(tune --out "$tmp/x.json" --blocks 128x64 --pins "$tmp/pins.json" --layers 5 --fidelities 64)
  expect 1 "${refused[@]}"
  case "$("$tune" "${refused[@]}" 2>&1)" in
    *"are for 64x64 blocks, this run tunes 128x64"*) ;;
    *) echo "tune --pins at another block shape is not refused by name" >&2; fails=1 ;;
  esac
else
  echo "tune --method static --preset dense (the pins file) failed" >&2; fails=1
fi
help="$("$tune" tune --help)"
for line in "--l1 E1" "(default 0.05)" "--blocks QxK" "--quiet" "Exit codes: 0 done, 1 bad input"; do
  case "$help" in *"$line"*) ;; *) echo "tune --help lacks '$line'" >&2; fails=1 ;; esac
done
exit "$fails"
