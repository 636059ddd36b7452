#!/bin/sh
# `make bench COMPARE=1` only: installs OpenBLAS (the reference sgemm the benchmark
# compares common/matmul.c with) through the system package manager when missing.
# Never needed to build, run or test the book.
pkg-config --exists openblas 2>/dev/null && exit 0
echo "OpenBLAS is missing; installing it for the comparison (make bench COMPARE=1)..."
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
if command -v apt-get >/dev/null 2>&1; then
    # libopenblas-dev pulls in libopenblas0-pthread, the threaded build
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libopenblas-dev pkg-config
elif command -v brew >/dev/null 2>&1; then
    brew install openblas pkg-config
    echo "note: Homebrew's openblas is keg-only; export PKG_CONFIG_PATH=$(brew --prefix openblas)/lib/pkgconfig"
elif command -v dnf >/dev/null 2>&1; then
    $SUDO dnf install -y openblas-devel pkgconf
fi
pkg-config --exists openblas 2>/dev/null || echo "OpenBLAS still not found by pkg-config: the comparison is skipped."
exit 0
