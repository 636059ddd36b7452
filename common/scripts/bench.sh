#!/bin/sh
# make bench: matmul GFLOP/s (1 and 2 threads) against the steps before it and, when
# OpenBLAS is installed, against OpenBLAS; then each chapter's quick run as a whole
# process (wall time, peak memory). Markdown tables to paste into a README.
set -u
BUILD=${BUILD:-build}
bench=$BUILD/bin/bench_matmul
# the OpenBLAS build only while OpenBLAS is installed (a stale binary would not start)
if [ -x "$BUILD/bin/bench_matmul_openblas" ] && pkg-config --exists openblas 2>/dev/null; then
    bench=$BUILD/bin/bench_matmul_openblas
fi
echo "Machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(nproc 2>/dev/null || sysctl -n hw.ncpu) cores"
micro=$("$BUILD"/bin/chA1 --experiment steps --max-n 64 2>/dev/null | sed -n 's/^micro-kernels in this build: //p')
echo "Micro-kernels in this build: $micro (common/matmul uses the first)"
# Debian 12's OpenBLAS (0.3.21) predates some CPUs and falls back to its slowest x86-64
# kernels ("Prescott") on them; a fair comparison tells it which kernels the CPU runs.
core=$("$bench" 64 header 2>&1 >/dev/null)
case "$core" in
    *Prescott*|*prescott*)
        if grep -q avx512f /proc/cpuinfo 2>/dev/null; then OPENBLAS_CORETYPE=SkylakeX
        elif grep -q avx2 /proc/cpuinfo 2>/dev/null; then OPENBLAS_CORETYPE=Haswell; fi
        if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
            export OPENBLAS_CORETYPE
            core="$core detected; using OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE (this CPU has its instructions)"
        fi ;;
esac
echo "$core"
echo
echo "## matmul (GFLOP/s, best of repeated runs of at least 0.2 s)"
echo
"$bench" 64 header 2>/dev/null
for t in 1 2; do OMP_NUM_THREADS=$t "$bench" "${BENCH_MAX_N:-2048}"; done
echo
echo "## chapters, quick mode, whole process"
echo
echo "| chapter | wall seconds | peak memory (MiB) |"
echo "|---|---|---|"
mkdir -p "$BUILD/out"
for bin in "$BUILD"/bin/ch[0-9A-Z]*; do
    name=$(basename "$bin")
    case $name in ch[0-9A-Z][0-9]) ;; *) continue ;; esac   # chapter programs only, not ch09_ep
    if [ -x /usr/bin/time ] && /usr/bin/time -f "%e" true >/dev/null 2>&1; then
        if /usr/bin/time -f "%e %M" -o "$BUILD/out/$name.time" "$bin" --quick --out "$BUILD/out/$name" >/dev/null 2>&1; then
            # GNU time's last line is ours (a failing command gets a "Command exited" line first)
            read -r secs kib <<EOF_TIME
$(tail -n 1 "$BUILD/out/$name.time")
EOF_TIME
            echo "| $name | $secs | $((kib / 1024)) |"
        else
            echo "| $name | FAILED (run it alone: $bin --quick) | |"
        fi
    else
        # no GNU time (macOS): the program's own RESULT line has seconds
        secs=$("$bin" --quick --out "$BUILD/out/$name" 2>/dev/null | tail -n 1 | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
        echo "| $name | $secs | (install GNU time) |"
    fi
done
