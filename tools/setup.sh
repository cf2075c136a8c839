#!/usr/bin/env bash
# Installs the Debian 12 packages AFBS Workbench needs, and nothing else.
# Idempotent and silent when everything is already present.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config clang-format
  qt6-base-dev qt6-charts-dev libqt6opengl6-dev   # Qt Charts' CMake package needs OpenGL's
  qt6-svg-dev                                     # QSvgGenerator: charts and heatmaps exported as SVG
  libtorch-dev libopenblas0-openmp                # without OpenBLAS libtorch uses reference BLAS (10x slower)
  libeigen3-dev nlohmann-json3-dev
  libpcre2-dev libutf8proc-dev                    # tokenizer.json: any pre-tokenizer regex; NFC/NFKC
  sentencepiece                                   # spm_* tools: tokenizer test oracle (the library is never linked)
  xvfb xauth
  help2man                                        # man pages from --help (installer/)
  clang-14 libclang-rt-14-dev                     # libFuzzer and the sanitizers (tools/fuzz.sh, tools/sanitize.sh)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
