#!/bin/sh
# make bench: matmul GFLOP/s (1 and 2 threads) and each chapter's quick run as a whole
# process (wall time, peak memory), as Markdown tables to paste into a README.
set -u
BUILD=${BUILD:-build}
echo "Machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1), $(nproc 2>/dev/null || sysctl -n hw.ncpu) cores"
echo
echo "## matmul (GFLOP/s, best of several runs)"
echo
echo "| shape | M x N x K | op | threads | naive | common/matmul |"
echo "|---|---|---|---|---|---|"
for t in 1 2; do OMP_NUM_THREADS=$t "$BUILD/bin/bench_matmul" 1024; done
echo
echo "## chapters, quick mode, whole process"
echo
echo "| chapter | wall seconds | peak memory (MiB) |"
echo "|---|---|---|"
for bin in "$BUILD"/bin/ch[0-9A-Z]*; do
    name=$(basename "$bin")
    if [ -x /usr/bin/time ] && /usr/bin/time -f "%e" true >/dev/null 2>&1; then
        /usr/bin/time -f "%e %M" -o "$BUILD/out/$name.time" "$bin" --quick --out "$BUILD/out/$name" >/dev/null 2>&1
        read -r secs kib < "$BUILD/out/$name.time"
        echo "| $name | $secs | $((kib / 1024)) |"
    else
        # no GNU time (macOS): the program's own RESULT line has seconds
        secs=$("$bin" --quick --out "$BUILD/out/$name" 2>/dev/null | tail -n 1 | sed -n 's/.*seconds=\([0-9.]*\).*/\1/p')
        echo "| $name | $secs | (install GNU time) |"
    fi
done
