#!/bin/sh
# make-man-page.sh PROGRAM OUT: writes OUT, the man page of PROGRAM, made by help2man from its
# --help and --version (gzip-compressed, as Debian installs them, when OUT ends in .gz). For a program with commands (a "commands:" list in its --help, as
# afbs-tune and afbs-bench have), each command's --help becomes a subsection of COMMANDS.
set -eu
program=$1
out=$2
extra=$(mktemp)
trap 'rm -f "$extra"' EXIT
first=$("$program" --help | head -n 1)
case "$first" in
  Usage:*) summary=$("$program" --help | sed -n '2p') ;;  # Qt: the description follows usage
  *) summary=${first#*: } ;;
esac
commands=$("$program" --help |
  awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
if [ -n "$commands" ]; then
  echo "[COMMANDS]" >>"$extra"
  for command in $commands; do
    printf '.SS %s\n.nf\n' "$command" >>"$extra"
    "$program" "$command" --help | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' >>"$extra"
    printf '.fi\n' >>"$extra"
  done
fi
cat >>"$extra" <<'TEXT'
[EXIT STATUS]
0 on success; 1 on an error (a missing or bad file, setting or input), with one line on
standard error that names it; 2 when no command is given (the help is shown).
[SEE ALSO]
.BR afbs-tune (1),
.BR afbs-bench (1),
.BR afbs-workbench (1);
the README and docs/ of AFBS Workbench.
TEXT
page=${out%.gz}
help2man --no-info --no-discard-stderr --name="$summary" --include="$extra" \
  --output="$page" "$program"
if [ "$page" != "$out" ]; then gzip -9nf "$page"; fi
