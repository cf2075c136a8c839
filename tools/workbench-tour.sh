#!/usr/bin/env bash
# A tour of the real workbench on the demo model under Xvfb, driven by the keyboard as a person
# would, saving a screenshot at each step into OUT_DIR (default docs/tour):
#   0 started on a folder that is not a model  1 started (focus on Start)  2 tuning (phase in the status bar)  3 run finished (convergence,
#   heatmap, quality)  4 close prompt (unsaved work, answered Cancel)  5 killed and restarted:
#   the autosaved session restored (convergence, heatmap)
# Needs xvfb-run, xdotool, xwd (x11-apps) and python3; run from the repository root after a build.
# Settings and the autosave go to a private folder, never the user's.
set -euo pipefail
out=${1:-docs/tour}
app=${AFBS_WORKBENCH:-build/app/afbs-workbench}
mkdir -p "$out"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
if [ -z "${AFBS_TOUR_INSIDE:-}" ]; then
  exec env AFBS_TOUR_INSIDE=1 xvfb-run -a -s "-screen 0 1366x768x24" "$0" "$out"
fi
export XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data"
shot() {
  xwd -root -silent >"$home/screen.xwd"
  python3 "$(dirname "$0")/xwd_to_png.py" "$home/screen.xwd" "$out/$1.png"
  echo "saved $out/$1.png"
}
window() { xdotool search --sync --name "AFBS Workbench" | head -1; }
# Without a window manager nothing gives focus: give it, then type.
press() { xdotool windowfocus --sync "$(window)" && xdotool key "$@"; }
# View → Convergence, Heatmap, Quality... are Ctrl+1, Ctrl+2, Ctrl+3...
tab() { press "ctrl+$1"; sleep 1; }

"$app" --fresh "$home" &  # not a model folder: the message bar says so, Open model recovers
pid=$!
sleep 6
shot 0-not-a-model
kill "$pid"
wait "$pid" 2>/dev/null || true

"$app" --fresh --top-length 256 &
pid=$!
sleep 6
xdotool windowsize "$(window)" 1366 740
sleep 1
shot 1-started
press Return  # focus is on Start
sleep 4
shot 2-tuning
for _ in $(seq 1 120); do  # the run, its guard and quality pass
  sleep 2
  [ -f "$XDG_DATA_HOME/afbs-workbench/afbs-workbench/autosave.afbs-session.json" ] &&
    grep -q 'Run succeeded' "$XDG_DATA_HOME/afbs-workbench/afbs-workbench/autosave.afbs-session.json" &&
    break
done
sleep 1
shot 3-finished
tab 2
shot 3-heatmap
tab 3
shot 3-quality
tab 1
press ctrl+q
sleep 4
shot 4-close-prompt
xdotool key Escape  # Cancel: the prompt has the focus
sleep 1
kill "$pid"  # as if it crashed: the autosave must bring the work back
wait "$pid" 2>/dev/null || true

"$app" --top-length 256 &
pid=$!
sleep 6
xdotool windowsize "$(window)" 1366 740
sleep 1
shot 5-restored
tab 2
shot 5-restored-heatmap
kill "$pid"
