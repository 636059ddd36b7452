#!/bin/sh
# Builds and grades exercises. Layout of one exercise K of chapter NN:
#   exercises/NN_topic/exK_name.c             the stub the learner fills in (TODOs)
#   exercises/NN_topic/solutions/exK_name.c   the reference solution
#   exercises/NN_topic/test_exK_name.c        the Criterion test that grades either
# Modes:
#   stub NN.K         grade the learner's stub of one exercise (`make exercise EX=NN.K`)
#   solutions all     grade every reference solution; all must pass (`make exercises`)
#   stubs-fail all    check every untouched stub FAILS its test (`make exercise-stubs`):
#                     a test that passes on a stub proves nothing.
# `all` may also be a chapter number (e.g. 02) to take only that chapter's exercises.
# Env from the Makefile: BUILD CC CFLAGS LDFLAGS LIBS.
set -u
mode=$1
which=${2:-all}
out=$BUILD/exercises
mkdir -p "$out"

# Prints "stub test" pairs for one NN.K or for every exercise.
list() {
    if [ "$1" = all ] || expr "$1" : '[0-9A-Z][0-9]*$' >/dev/null; then
        glob="exercises/*/test_ex*.c"; [ "$1" = all ] || glob="exercises/$1_*/test_ex*.c"
        for t in $glob; do
            [ -f "$t" ] || continue
            d=$(dirname "$t"); b=$(basename "$t" .c); echo "$d/${b#test_}.c $t"
        done
    else
        nn=${1%%.*}; k=${1#*.}
        for t in exercises/${nn}_*/test_ex${k}_*.c; do
            [ -f "$t" ] || { echo "no exercise $1: expected exercises/${nn}_*/test_ex${k}_*.c (see exercises/README.md)" >&2; exit 2; }
            d=$(dirname "$t"); b=$(basename "$t" .c); echo "$d/${b#test_}.c $t"
        done
    fi
}

pairs=$(list "$which") || exit 2
[ -n "$pairs" ] || { echo "no exercises found"; exit 2; }
passed=0; failed=0; bad=""
echo "$pairs" | {
while read -r stub test; do
    d=$(dirname "$stub"); base=$(basename "$stub")
    ch=$(basename "$d"); id="${ch%%_*}.$(echo "$base" | sed 's/^ex\([0-9]*\)_.*/\1/')"
    case $mode in
        stub|stubs-fail) src=$stub ;;
        solutions) src=$d/solutions/$base ;;
        *) echo "unknown mode $mode"; exit 2 ;;
    esac
    bin=$out/$mode-$ch-${base%.c}
    # shellcheck disable=SC2086
    if ! $CC $CFLAGS -MMD -MF /dev/null "$src" "$test" $LDFLAGS $LIBS -o "$bin" 2> "$bin.build.log"; then
        if [ "$mode" = stubs-fail ]; then
            echo "ok   $id: stub does not compile yet ($src)"; passed=$((passed + 1)); continue
        fi
        echo "FAIL $id: $src does not compile:"; cat "$bin.build.log"; failed=$((failed + 1)); bad="$bad $id"; continue
    fi
    if [ "$mode" = stub ]; then
        echo "== grading exercise $id: $src"
        "$bin" --jobs 1 && passed=$((passed + 1)) || { failed=$((failed + 1)); bad="$bad $id"; }
    elif "$bin" --jobs 1 > "$bin.log" 2>&1; then
        if [ "$mode" = stubs-fail ]; then
            echo "FAIL $id: the untouched stub $src PASSES its test; the test proves nothing"; failed=$((failed + 1)); bad="$bad $id"
        else
            echo "ok   $id: $src"; passed=$((passed + 1))
        fi
    else
        if [ "$mode" = stubs-fail ]; then
            echo "ok   $id: stub fails its test as it should"; passed=$((passed + 1))
        else
            echo "FAIL $id: $src"; cat "$bin.log"; failed=$((failed + 1)); bad="$bad $id"
        fi
    fi
done
[ -z "$bad" ] || echo "exercises that need attention:$bad"
echo "exercises: $passed passed, $failed failed"
[ "$failed" = 0 ]
}
