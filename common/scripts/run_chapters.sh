#!/bin/sh
# Runs the chapter programs and prints a summary table built from their RESULT lines.
#   CH empty: every chapter with --quick (what `make run` does)
#   CH=NN:    that chapter alone, with ARGS (e.g. ARGS="--data datasets/fashion-mnist")
#   FIGURES=DIR: after each quick run, copy its SVG figures to DIR/chNN_<name>.svg
# Each program's full output goes to $BUILD/out/chNN/log.txt; its last stdout line
# must be `RESULT key=value ...` (DESIGN.md).
set -u
BUILD=${BUILD:-build}
CH=${CH:-}
ARGS=${ARGS:-}
FIGURES=${FIGURES:-}
summary=$BUILD/out/summary.txt
mkdir -p "$BUILD/out"
: > "$summary"
failed=0

if [ -n "$CH" ]; then
    bins=$BUILD/bin/ch$CH
    [ -x "$bins" ] || { echo "no chapter $CH: expected $bins (chapters: $(ls $BUILD/bin | grep '^ch' | tr '\n' ' '))"; exit 2; }
else
    # chapter programs only: ch01 .. ch09, chA1 (not ch09_ep, which runs under mpirun)
    bins=$(ls "$BUILD"/bin/ch[0-9A-Z]* 2>/dev/null | grep -E '/ch[0-9A-Z][0-9]$' | sort)
fi

for bin in $bins; do
    name=$(basename "$bin")
    out=$BUILD/out/$name
    mkdir -p "$out"
    if [ -n "$CH" ]; then flags="--out $out $ARGS"; else flags="--quick --out $out"; fi
    echo "== $name $flags"
    start=$(date +%s)
    # stdout to the log and the screen; progress lines (stderr) to the screen only
    # shellcheck disable=SC2086
    if "$bin" $flags > "$out/log.txt"; then status=0; else status=$?; fi
    cat "$out/log.txt"
    end=$(date +%s)
    result=$(tail -n 1 "$out/log.txt")
    case "$result" in
        RESULT\ *) echo "$result" >> "$summary" ;;
        *) echo "!! $name exited with status $status and printed no RESULT line (log: $out/log.txt)"
           echo "RESULT ch=${name#ch} task=FAILED status=$status seconds=$((end - start))" >> "$summary"
           failed=1 ;;
    esac
    [ "$status" = 0 ] || failed=1
    if [ -n "$FIGURES" ] && [ "$status" = 0 ]; then
        mkdir -p "$FIGURES"
        for svg in "$out"/*.svg; do
            [ -f "$svg" ] && cp "$svg" "$FIGURES/${name}_$(basename "$svg")"
        done
    fi
done

echo
echo "Summary (quick mode unless flags were given; full logs under $BUILD/out/):"
echo
printf '| %-4s | %-26s | %-58s | %8s |\n' ch task metrics seconds
printf '|------|----------------------------|------------------------------------------------------------|----------|\n'
while read -r line; do
    ch=""; task=""; secs=""; metrics=""
    for kv in ${line#RESULT }; do
        case "$kv" in
            ch=*) ch=${kv#ch=} ;;
            task=*) task=${kv#task=} ;;
            seconds=*) secs=${kv#seconds=} ;;
            *) metrics="$metrics $kv" ;;
        esac
    done
    printf '| %-4s | %-26s | %-58s | %8s |\n' "$ch" "$task" "${metrics# }" "$secs"
done < "$summary"
exit $failed
