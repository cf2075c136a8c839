#!/usr/bin/env bash
# README command (a): set up, build (Release) and start the workbench on the demo model.
# Without a display it says so and runs the headless afbs-tune demo instead.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/setup.sh"
"$root/tools/build.sh"
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec "$root/build/app/afbs-workbench" "$@"
fi
echo "start: no display found (DISPLAY and WAYLAND_DISPLAY are unset); running the headless demo instead."
exec "$root/build/app/afbs-tune" demo "$@"
