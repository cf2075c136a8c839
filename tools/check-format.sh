#!/usr/bin/env bash
# Fails listing every tracked C++/CUDA file that .clang-format would change.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r f; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: clang-format -i $f)" >&2
    bad=1
  fi
done < <(git ls-files '*.h' '*.cpp' '*.cu' '*.cuh')
[ "$bad" -eq 0 ] && echo "format: all files formatted"
exit "$bad"
