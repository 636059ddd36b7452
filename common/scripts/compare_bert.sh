#!/bin/sh
# Chapter 07's BERT against PyTorch, for `make bench COMPARE=1`: training throughput of
# the same model (tests/bench/bert_torch.py is chapter 07's model and step written in
# PyTorch) with the same configuration, batch, sequence length, vocabulary size and
# threads, one after the other; then the other direction of interoperability: PyTorch
# loads the checkpoint chapter 07 wrote and must predict the same top-5 at a [MASK].
# Skipped (exit 0) when PyTorch is not installed; never needed to build or test.
#   BUILD=build sh common/scripts/compare_bert.sh
set -u
BUILD=${BUILD:-build}
THREADS=${THREADS:-2}
. common/scripts/torch_env.sh
[ -n "$py" ] || { echo "(PyTorch not installed: no BERT comparison; Debian: apt-get install python3-torch libopenblas0-pthread)"; exit 0; }
data=datasets; [ -f datasets/wikitext-2/wiki.train.tokens ] || data=datasets/samples
work=$BUILD/out/compare_bert
mkdir -p "$work"
steps=${STEPS:-30}
echo "## BERT-mini training step: ch07 vs PyTorch $("$py" -c 'import torch; print(torch.__version__)')"
echo "($THREADS threads, batch 32 x 128 tokens, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1))"
echo
OMP_NUM_THREADS=$THREADS "$BUILD/bin/ch07" --data "$data" --out "$work" --steps "$steps" --warmup 5 --log-every 10 \
    --eval-every 0 --save-every 0 --eval-max 32 > "$work/ch07.log" 2>/dev/null || { echo "ch07 failed: $work/ch07.log"; exit 1; }
result=$(tail -n 1 "$work/ch07.log")
ours=$(echo "$result" | sed -n 's/.*tokens_per_s=\([0-9]*\).*/\1/p')
vocab=$(echo "$result" | sed -n 's/.* vocab=\([0-9]*\).*/\1/p')
theirs=$(OMP_NUM_THREADS=$THREADS "$py" tests/bench/bert_torch.py --threads "$THREADS" --vocab "$vocab" --steps 20 \
    | sed -n 's/.*tokens_per_s=\([0-9]*\).*/\1/p')
echo "| implementation | tokens/s | ratio |"
echo "|---|---|---|"
echo "| ch07 (C) | $ours | $(awk "BEGIN { printf \"%.2f\", $ours / $theirs }") |"
echo "| PyTorch | $theirs | 1.00 |"
echo
# the checkpoint just written, read by PyTorch
ckpt=$work/checkpoint
text="The town is on the [MASK] bank of the river ."
printf '%s\n' "$text" > "$work/fill.txt"
ids=$("$BUILD/bin/ch07" --tokenize "$work/fill.txt" --vocab "$ckpt/vocab.txt" 2>/dev/null | head -n 1)
wp=$(grep -c '' "$ckpt/vocab.txt")
cls=$(grep -n -x '\[CLS\]' "$ckpt/vocab.txt" | cut -d: -f1); sep=$(grep -n -x '\[SEP\]' "$ckpt/vocab.txt" | cut -d: -f1)
torch_top=$("$py" tests/bench/bert_torch.py --threads 1 --check "$ckpt" --ids "$((cls - 1)) $ids $((sep - 1))")
c_top=$("$BUILD/bin/ch07" --fill "$text" --model "$ckpt" 2>/dev/null | sed -n "s/^ *\\[MASK\\] 1: *//p")
echo "checkpoint $ckpt ($wp tokens) read by PyTorch, top 5 at the [MASK] of \"$text\":"
echo "  PyTorch: $torch_top"
echo "  ch07:    $c_top"
