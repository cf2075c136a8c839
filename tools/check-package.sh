#!/usr/bin/env bash
# The Debian package, installed on a clean Debian 12 as a user would install it:
#   1. builds the tree in BUILD_DIR (default build/) with prefix /usr and makes the .deb (cpack);
#   2. checks its AppStream metadata (appstreamcli) and prints its Depends and Recommends;
#   3. makes a minimal bookworm root from the Debian archive (mmdebstrap --variant=apt);
#   4. installs the .deb there with apt (dependencies and recommends from the archive);
#   5. runs afbs-tune --version, afbs-tune demo, afbs-bench --help, afbs-workbench --version
#      (offscreen) inside it, and checks the man pages, icon, metainfo and bash completion.
# Needs root, mmdebstrap and the network (DEBIAN_MIRROR, default deb.debian.org). Prints the
# seconds each step took; KEEP_ROOT=1 keeps the root in /tmp for a look afterwards;
# CHECK_PACKAGE_CACHE (default /var/cache/afbs-check-package) keeps downloaded packages.
# Usage: tools/check-package.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
start=$(date +%s)
say() { echo "check-package: $* [$(($(date +%s) - start)) s]"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "check-package: run as root (mmdebstrap --mode=root and chroot need it)" >&2
  exit 1
fi
"$root/tools/setup.sh"
command -v mmdebstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null

work="$(mktemp -d /tmp/afbs-check-package.XXXXXX)"
if [ "${KEEP_ROOT:-0}" != 1 ]; then trap 'rm -rf "$work"' EXIT; fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$build" -j "$(nproc)" --target afbs-tune afbs-bench afbs-workbench afbs_man_pages
rm -f "$build"/afbs-workbench_*.deb
(cd "$build" && cpack -G DEB >"$work/cpack.log") || { cat "$work/cpack.log"; exit 1; }
deb="$(ls "$build"/afbs-workbench_*.deb)"
say "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"
dpkg-deb --field "$deb" Depends Recommends | fold -s -w 100
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net --pedantic "$root/installer/io.github.afbs.workbench.metainfo.xml"
fi

cp "$deb" "$work/"
cat >"$work/install.sh" <<'INSIDE'
set -eux
export DEBIAN_FRONTEND=noninteractive
# As on an installed Debian system (mmdebstrap's root turns recommends off): with recommends.
apt-get install -y -q -o APT::Install-Recommends=true /tmp/afbs/afbs-workbench_*.deb \
  >/tmp/afbs/apt.log 2>&1 || { tail -40 /tmp/afbs/apt.log; exit 1; }
grep -c '^Setting up' /tmp/afbs/apt.log
INSIDE
cat >"$work/check.sh" <<'INSIDE'
set -eux
dpkg -s libopenblas0-openmp | grep -q 'install ok installed'   # the recommend came along
afbs-tune --version
afbs-bench --help >/dev/null
QT_QPA_PLATFORM=offscreen afbs-workbench --version
for page in afbs-tune afbs-bench afbs-workbench; do test -s /usr/share/man/man1/$page.1.gz; done
test -s /usr/share/bash-completion/completions/afbs-tune
test -s /usr/share/icons/hicolor/scalable/apps/afbs-workbench.svg
test -s /usr/share/metainfo/io.github.afbs.workbench.metainfo.xml
cd /tmp && OMP_WAIT_POLICY=PASSIVE afbs-tune demo --threads "$(nproc)"
INSIDE
say "making a clean bookworm root and installing the package there"
# Downloaded packages are kept in $cache between runs (mmdebstrap's sync-in / sync-out).
cache="${CHECK_PACKAGE_CACHE:-/var/cache/afbs-check-package}"
mkdir -p "$cache"
mmdebstrap --variant=apt --mode=root --quiet \
  --aptopt='APT::Keep-Downloaded-Packages "true"' \
  --setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
  --setup-hook="sync-in $cache /var/cache/apt/archives" \
  --customize-hook="mkdir -p \"\$1/tmp/afbs\"" \
  --customize-hook="copy-in $work/$(basename "$deb") $work/install.sh $work/check.sh /tmp/afbs" \
  --customize-hook='chroot "$1" sh /tmp/afbs/install.sh' \
  --customize-hook="sync-out /var/cache/apt/archives $cache" \
  --customize-hook='chroot "$1" sh /tmp/afbs/check.sh' \
  bookworm "$work/root" "$mirror"
say "passed: installed and ran on a clean Debian 12"
