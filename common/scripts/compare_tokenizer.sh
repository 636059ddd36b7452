#!/bin/sh
# Chapter 07's tokenizer against Hugging Face's own (the Rust `tokenizers` library that
# BertTokenizerFast runs, through its Node.js binding): the same vocab.txt, the same
# files, cased and uncased; every output line must be identical. Part of
# `make bench COMPARE=1`; needs node and npm (skipped without them), never needed to
# build or test the book.
#   BUILD=build sh common/scripts/compare_tokenizer.sh [FILE...]
# Without FILEs: the CoNLL-2003 and WikiText-2 files and every IMDB review (one per
# line) of the full data when it is in datasets/, else the samples.
set -u
BUILD=${BUILD:-build}
peer=$BUILD/peer/tokenizers
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "(node/npm not installed: no tokenizer comparison with Hugging Face's tokenizers)"; exit 0
fi
if [ ! -d "$peer/node_modules/tokenizers" ]; then
    mkdir -p "$peer"
    npm install --silent --prefix "$peer" tokenizers@0.23.2 >/dev/null 2>&1 ||
        { echo "(could not install the npm package tokenizers: no tokenizer comparison)"; exit 0; }
fi
work=$BUILD/out/compare_tokenizer
mkdir -p "$work"
data=datasets; [ -f datasets/wikitext-2/wiki.train.tokens ] || data=datasets/samples
"$BUILD/bin/ch07" --data "$data" --out "$work" --vocab-only >/dev/null || exit 1
vocab=$work/vocab.txt
if [ $# -eq 0 ]; then
    set -- "$data"/conll2003/eng.* "$data"/wikitext-2/wiki.*.tokens
    imdb=$data/imdb/aclImdb; [ -d "$imdb" ] || imdb=$data/aclImdb
    # one review per line, as they are (no review holds a newline)
    for f in "$imdb"/train/pos/*.txt "$imdb"/train/neg/*.txt "$imdb"/train/unsup/*.txt "$imdb"/test/pos/*.txt \
             "$imdb"/test/neg/*.txt; do cat "$f"; echo; done > "$work/imdb_reviews.txt"
    set -- "$@" "$work/imdb_reviews.txt"
fi
echo "## tokenizer: ch07 vs Hugging Face tokenizers 0.23.2 (vocab.txt trained on $data)"
echo
echo "| file | casing | lines | identical lines | ch07 MB/s (1 thread) |"
echo "|---|---|---|---|---|"
status=0
for f in "$@"; do
    for lc in "" --lowercase; do
        "$BUILD/bin/ch07" --tokenize "$f" --vocab "$vocab" $lc 2>/dev/null > "$work/ours_all.txt"
        speed=$(tail -n 1 "$work/ours_all.txt" | sed -n 's/.*mb_per_s=\([0-9.]*\).*/\1/p')
        grep -v '^RESULT ' "$work/ours_all.txt" > "$work/ours.txt"
        NODE_PATH=$peer/node_modules node tests/bench/hf_tokenize.js "$vocab" "$f" $lc > "$work/hf.txt" 2>/dev/null
        lines=$(wc -l < "$work/hf.txt")
        same=$(paste -d '\t' "$work/ours.txt" "$work/hf.txt" | awk -F '\t' '$1 == $2' | wc -l)
        [ "$same" -eq "$lines" ] || status=1
        echo "| $(basename "$f") | ${lc:-cased} | $lines | $same | $speed |"
    done
done
exit $status
