#!/bin/sh
# Chapter 09's MoE layer against the straightforward PyTorch one (tests/bench/moe_torch.py),
# for `make bench COMPARE=1`: forward + backward of one layer, the same shapes (4,096
# tokens, C = 256, 8 experts, capacity 1.25), top-1 and top-2, the same threads, one
# after the other. Skipped (exit 0) when PyTorch is not installed.
#   BUILD=build sh common/scripts/compare_moe.sh
set -u
BUILD=${BUILD:-build}
THREADS=${THREADS:-2}
. common/scripts/torch_env.sh
[ -n "$py" ] || { echo "(PyTorch not installed: no MoE comparison; Debian: apt-get install python3-torch libopenblas0-pthread)"; exit 0; }
echo "## MoE layer, forward + backward: ch09 vs PyTorch $("$py" -c 'import torch; print(torch.__version__)')"
echo "($THREADS threads, 4096 tokens, C = 256, 8 experts, capacity 1.25; $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1))"
echo
echo "| top-k | ch09 (ms) | PyTorch (ms) | ratio | ch09's dense FFN of the same active width (ms) |"
echo "|---|---|---|---|---|"
for k in 1 2; do
    ours=$(OMP_NUM_THREADS=$THREADS OMP_WAIT_POLICY=passive "$BUILD/bin/ch09" --bench-layer $k | tail -n 1)
    theirs=$(OMP_NUM_THREADS=$THREADS "$py" tests/bench/moe_torch.py --k $k --threads "$THREADS" | tail -n 1)
    o=$(echo "$ours" | sed -n 's/.*moe_ms=\([0-9.]*\).*/\1/p'); f=$(echo "$ours" | sed -n 's/.*ffn_ms=\([0-9.]*\).*/\1/p')
    t=$(echo "$theirs" | sed -n 's/.*moe_ms=\([0-9.]*\).*/\1/p')
    echo "| $k | $o | $t | $(awk "BEGIN { printf \"%.2f\", $t / $o }") | $f |"
done
