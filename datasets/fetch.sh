#!/bin/sh
# datasets/fetch.sh NAME: puts a full public data set into datasets/NAME/ in its
# original layout, checks its sha256 sums, and says exactly what to do by hand when
# it cannot. Nothing it fetches is ever committed (datasets/*/ is gitignored).
#
#   datasets/fetch.sh fashion-mnist   Fashion-MNIST, plain IDX files (the loader reads them)
#   datasets/fetch.sh imdb            Large Movie Review Dataset, datasets/imdb/aclImdb/
#   datasets/fetch.sh conll2003       CoNLL-2003 English NER, eng.train/testa/testb
#   datasets/fetch.sh wikitext-2      WikiText-2 (tokenized), wiki.{train,valid,test}.tokens
#   datasets/fetch.sh bert-base-cased Google's BERT-base (cased) from the Hugging Face Hub
#   datasets/fetch.sh list            what is known and what is already here
#
# Offline mirrors (classrooms, laptops, this project's CI):
#   DATASETS_MIRROR=DIR datasets/fetch.sh NAME
# takes the same files from DIR/NAME/ instead of the network, with the same checks.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
name=${1:-}
mirror=${DATASETS_MIRROR:-}

say() { printf '%s\n' "$*" >&2; }
fail() { say "fetch.sh: $*"; exit 1; }

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -c1-64
    else shasum -a 256 "$1" | cut -c1-64; fi
}

# verify FILE SUM: dies with a clear message when the file is not what we expect.
verify() {
    got=$(sha256_of "$1")
    [ "$got" = "$2" ] || fail "$1: sha256 is $got, expected $2. The file is damaged or a different version; delete it and fetch again."
}

# download URL DEST, with curl or wget; returns non-zero on failure.
download() {
    say "  downloading $1"
    if command -v curl >/dev/null 2>&1; then curl -fL --retry 2 -o "$2.part" "$1" && mv "$2.part" "$2"
    elif command -v wget >/dev/null 2>&1; then wget -q -O "$2.part" "$1" && mv "$2.part" "$2"
    else say "  neither curl nor wget is installed"; return 1; fi
}

fashion_mnist() {
    dest=$here/fashion-mnist
    mkdir -p "$dest"
    # sums of the UNPACKED IDX files: the same whichever way the .gz was compressed
    # (Debian's package recompresses them, so the .gz sums differ from upstream's).
    sums="c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888 train-images-idx3-ubyte
bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9 train-labels-idx1-ubyte
5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b t10k-images-idx3-ubyte
0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34 t10k-labels-idx1-ubyte"
    deb=/usr/share/datasets/fashion-mnist
    if [ ! -f "$deb/train-images-idx3-ubyte.gz" ] && [ -z "$mirror" ] && command -v apt-get >/dev/null 2>&1; then
        say "  trying Debian's package dataset-fashion-mnist"
        sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || true
    fi
    echo "$sums" | while read -r sum file; do
        if [ -f "$dest/$file" ] && [ "$(sha256_of "$dest/$file")" = "$sum" ]; then continue; fi
        gz=$dest/$file.gz
        if [ -n "$mirror" ] && [ -f "$mirror/fashion-mnist/$file" ]; then cp "$mirror/fashion-mnist/$file" "$dest/$file"; continue
        elif [ -n "$mirror" ] && [ -f "$mirror/fashion-mnist/$file.gz" ]; then cp "$mirror/fashion-mnist/$file.gz" "$gz"
        elif [ -f "$deb/$file.gz" ]; then cp "$deb/$file.gz" "$gz"
        elif [ ! -f "$gz" ]; then
            download "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/$file.gz" "$gz" ||
                fail "could not get $file.gz. Download it by hand from https://github.com/zalandoresearch/fashion-mnist (data/fashion/) and put it in $dest/, or install Debian's dataset-fashion-mnist, then run this again."
        fi
        gunzip -c "$gz" > "$dest/$file.part" && mv "$dest/$file.part" "$dest/$file" && rm -f "$gz"
        verify "$dest/$file" "$sum"
    done
    say "fashion-mnist: ready in $dest (60000 train, 10000 test images)"
    say "  run it: make run CH=02 ARGS='--data datasets/fashion-mnist'"
}

imdb() {
    dest=$here/imdb
    mkdir -p "$dest"
    tarball=$dest/aclImdb_v1.tar.gz
    # The original Stanford archive, and the repack of the same tree that the offline
    # mirror holds (see datasets/README.md): either is accepted, then the layout is checked.
    official=c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe
    repack=d6d8b243352dd0ac94102a52767a6aedb4b54d9730f34de4804e584c3ef19bb3
    if [ -d "$dest/aclImdb/train/pos" ] && [ -d "$dest/aclImdb/test/neg" ]; then
        say "imdb: already in $dest/aclImdb"
    else
        if [ ! -f "$tarball" ]; then
            if [ -n "$mirror" ] && [ -f "$mirror/imdb/aclImdb_v1.tar.gz" ]; then cp "$mirror/imdb/aclImdb_v1.tar.gz" "$tarball"
            else download "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz" "$tarball" ||
                fail "could not download the IMDB archive. Get aclImdb_v1.tar.gz from https://ai.stanford.edu/~amaas/data/sentiment/ and put it at $tarball, then run this again."
            fi
        fi
        got=$(sha256_of "$tarball")
        [ "$got" = "$official" ] || [ "$got" = "$repack" ] ||
            fail "$tarball: sha256 is $got, which is neither the official archive's nor the known repack's. Delete it and fetch again."
        say "  unpacking (50,000 reviews; takes a few seconds)"
        tar -xzf "$tarball" -C "$dest"
        rm -f "$tarball"
    fi
    for split in train/pos train/neg test/pos test/neg; do
        n=$(ls "$dest/aclImdb/$split" | wc -l | tr -d ' ')
        [ "$n" = 12500 ] || fail "$dest/aclImdb/$split has $n files, expected 12500: the archive is incomplete."
    done
    say "imdb: ready in $dest/aclImdb (25000 train, 25000 test reviews)"
}

conll2003() {
    dest=$here/conll2003
    mkdir -p "$dest"
    sums="3c896a8a35d0bc3d4b6a0a670b8e43d6c393afa574e0d21d89ff9ebf22a51d2e eng.train
0379d8fd6227a856e32c7fc47e9c5bbd33775d275d76ba7918770e47853009b7 eng.testa
cb3428000825467bb96b6d8b4e4acf0ad807af86be5c6f6b9144cf3e7c142526 eng.testb"
    echo "$sums" | while read -r sum file; do
        if [ ! -f "$dest/$file" ]; then
            if [ -n "$mirror" ] && [ -f "$mirror/conll2003/$file" ]; then cp "$mirror/conll2003/$file" "$dest/$file"
            else
                # The Reuters text behind CoNLL-2003 has no official public download.
                fail "$file is missing. CoNLL-2003 has no official download (the Reuters RCV1 licence): obtain eng.train, eng.testa and eng.testb (columns WORD POS CHUNK NER, IOB2 tags) and put them in $dest/, or point DATASETS_MIRROR at a directory holding conll2003/."
            fi
        fi
        verify "$dest/$file" "$sum"
    done
    say "conll2003: ready in $dest"
}

wikitext2() {
    dest=$here/wikitext-2
    mkdir -p "$dest"
    sums="9e9fa1ad55b1c2c95b08e37dd8e653f638fac2c6de904b79e813611eefbc985f wiki.train.tokens
f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8 wiki.valid.tokens
d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0 wiki.test.tokens"
    echo "$sums" | while read -r sum file; do
        if [ ! -f "$dest/$file" ]; then
            if [ -n "$mirror" ] && [ -f "$mirror/wikitext-2/$file" ]; then cp "$mirror/wikitext-2/$file" "$dest/$file"
            else
                zip=$dest/wikitext-2-v1.zip
                [ -f "$zip" ] || download "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-v1.zip" "$zip" ||
                    fail "could not download WikiText-2. Get wikitext-2-v1.zip (Merity et al. 2016) and put its wiki.*.tokens files in $dest/, then run this again."
                command -v unzip >/dev/null 2>&1 || fail "unzip is needed to unpack $zip (apt-get install unzip / brew install unzip)"
                unzip -o -j -q "$zip" "wikitext-2/$file" -d "$dest"
            fi
        fi
        verify "$dest/$file" "$sum"
    done
    rm -f "$dest/wikitext-2-v1.zip"
    say "wikitext-2: ready in $dest"
}

# Google's BERT-base, cased, from the Hugging Face Hub (Apache 2.0): config.json,
# model.safetensors (about 0.4 GB) and vocab.txt, the layout chapters 07 and 08 read. The Hub
# publishes no sums for a stable download, so instead of sha256 the files are checked
# for what makes them a BERT checkpoint; `build/bin/ch07 --fill ... --model DIR` then
# loads every tensor with its shape checked.
bert_base_cased() {
    dest=$here/bert-base-cased
    mkdir -p "$dest"
    for file in config.json vocab.txt model.safetensors; do
        [ -s "$dest/$file" ] && continue
        if [ -n "$mirror" ] && [ -f "$mirror/bert-base-cased/$file" ]; then cp "$mirror/bert-base-cased/$file" "$dest/$file"
        else
            download "https://huggingface.co/google-bert/bert-base-cased/resolve/main/$file" "$dest/$file" ||
                fail "could not download $file. Get it from https://huggingface.co/google-bert/bert-base-cased (Files) into $dest/, then run this again."
        fi
    done
    grep -q '"model_type": *"bert"' "$dest/config.json" || fail "$dest/config.json: not a BERT config (no \"model_type\": \"bert\")"
    for t in '[PAD]' '[UNK]' '[CLS]' '[SEP]' '[MASK]'; do
        grep -qxF "$t" "$dest/vocab.txt" || fail "$dest/vocab.txt: no $t line; not a BERT vocabulary"
    done
    # safetensors: 8-byte little-endian header length, then a JSON object
    first=$(dd if="$dest/model.safetensors" bs=1 skip=8 count=1 2>/dev/null)
    [ "$first" = "{" ] || fail "$dest/model.safetensors: not a safetensors file (no JSON header after 8 bytes)"
    say "bert-base-cased: ready in $dest ($(grep -c '' "$dest/vocab.txt") tokens)"
    say "  check it: build/bin/ch07 --fill 'Paris is the [MASK] of France .' --model $dest"
}

case "$name" in
    fashion-mnist) fashion_mnist ;;
    imdb) imdb ;;
    conll2003) conll2003 ;;
    wikitext-2) wikitext2 ;;
    bert-base-cased) bert_base_cased ;;
    list|"")
        echo "usage: datasets/fetch.sh NAME   (DATASETS_MIRROR=DIR for an offline mirror)"
        for n in fashion-mnist imdb conll2003 wikitext-2 bert-base-cased; do
            if [ -d "$here/$n" ]; then s="present in datasets/$n"; else s="not fetched"; fi
            printf '  %-14s %s\n' "$n" "$s"
        done
        [ -n "$name" ] || exit 2 ;;
    *) fail "unknown data set '$name'; known: fashion-mnist imdb conll2003 wikitext-2 bert-base-cased" ;;
esac
