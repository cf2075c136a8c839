#!/usr/bin/env bash
# A tour of the real workbench on the demo model under Xvfb, driven by the keyboard as a person
# would, saving a screenshot at each step into OUT_DIR (default docs/tour):
#   0 started on a folder that is not a model  1 started (focus on Start)  2 tuning (phase in the status bar)  3 run finished (convergence,
#   heatmap, quality)  3b a head in the inspector and its block mask, two heads pinned, two others
#   re-tuned, the two runs compared (Runs tab with the evaluations table, the sparsity diff,
#   overlaid convergence)  4 close prompt (unsaved work, answered
#   Cancel)  5 killed and restarted: the autosaved session restored (convergence, heatmap, runs)
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
# Clicks at x y of the 1366 × 740 window (the heatmap's cells and buttons, measured on its shots).
click() { xdotool mousemove --sync "$1" "$2" click "${3:-1}"; sleep 1; }
autosave="$XDG_DATA_HOME/afbs-workbench/afbs-workbench/autosave.afbs-session.json"
# Waits until the autosave's log holds `runs` "Run succeeded" lines.
wait_runs() {
  for _ in $(seq 1 120); do
    sleep 2
    [ -f "$autosave" ] && [ "$(grep -o 'Run succeeded' "$autosave" | wc -l)" -ge "$1" ] && return 0
  done
  echo "workbench-tour: run $1 did not succeed within 240 s (did a click miss?)" >&2
  return 1
}

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
wait_runs 1  # the run, its guard and quality pass
sleep 1
shot 3-finished
tab 2
shot 3-heatmap
tab 3
shot 3-quality
tab 2
click 468 536  # layer 4, head 1: the inspector shows it
shot 3b-inspector
click 1218 352  # the inspector's Block mask tab: computed on the worker from the captured Q/K/V
sleep 4
shot 3b-block-mask
click 377 536 && xdotool keydown ctrl && click 468 536 && xdotool keyup ctrl
press space  # pins layer 4 heads 0 and 1
click 738 632 && xdotool keydown ctrl && click 828 632 && xdotool keyup ctrl
click 999 64  # Re-tune selected: layer 5 heads 4 and 5 only
wait_runs 2
sleep 1
shot 3b-retuned-heatmap
tab 4
click 400 86 && xdotool keydown shift && click 400 116 && xdotool keyup shift  # runs 1 and 2
press Tab space  # Compare two (Tab leaves the table; Show is off with two selected)
sleep 1
shot 3b-runs-compared  # below: the evaluations of run 2, the row last clicked
press Tab space  # Diff sparsity: run 2 − run 1 per head
sleep 1
shot 3b-sparsity-diff
tab 1
shot 3b-convergence-overlay
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
tab 4
shot 5-restored-runs
kill "$pid"
