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
help="$("$tune" tune --help)"
for line in "--l1 E1" "(default 0.05)" "--quiet" "Exit codes: 0 done, 1 bad input"; do
  case "$help" in *"$line"*) ;; *) echo "tune --help lacks '$line'" >&2; fails=1 ;; esac
done
exit "$fails"
