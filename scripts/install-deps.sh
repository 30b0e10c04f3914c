#!/usr/bin/env bash
# Installs the Debian packages linlearn builds and tests with, only those that are missing.
# Runs as root, or through sudo when it is available.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libeigen3-dev libcli11-dev libprotobuf-dev protobuf-compiler libspdlog-dev libfmt-dev
  nlohmann-json3-dev libfast-float-dev zlib1g-dev libarchive-dev libgtest-dev libopenmpi-dev openmpi-bin
  bsdutils  # script(1): the progress line's test runs train on a pseudo-terminal
  libcpp-httplib-dev
)
if [[ "${1:-}" == "--ci" ]]; then
  # chromium: tests/eval/report_render_test.cpp screenshots report.html (skipped without it)
  packages+=(clang libclang-rt-14-dev chromium)
fi
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(libbenchmark-dev liblinear-tools python3-sklearn python3-numpy dataset-fashion-mnist time)
  # The packages whose manual pages bench/make_textset.py reads (PACKAGES there).
  packages+=(apt bash binutils-common bsdgames cmake-data coreutils curl dash dpkg-dev e2fsprogs fetchmail
             flac gawk git-man groff groff-base iproute2 jq lame less libarchive-dev libdpkg-perl libedit2
             libibverbs-dev libjson-perl libmagic1 libpam-modules libpcre3 libtirpc-dev libxt-dev
             lynx-common m4 man-db manpages manpages-dev mawk mercurial-common mkvtoolnix msmtp mutt nano
             ncurses-bin net-tools netpbm openmpi-bin openssh-client openssl passwd patch perl
             postgresql-client-15 procmail sox sqlite3 subversion systemd tmux universal-ctags vim-common
             vorbis-tools wget x11-common x11-utils xauth zsh-common zstd)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  as_root=(sudo)
fi
echo "install-deps: installing ${missing[*]}" >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
