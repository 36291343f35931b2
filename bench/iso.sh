#!/bin/sh
# Benchmark of `burn mkiso` against xorriso and genisoimage (method of
# peers-and-oracles.md §6: warm page cache, RUNS runs per command, median).
#
#   bench/iso.sh [WORKDIR]                  (default /tmp/iso-bench)
#
# Builds `burn` in release mode and, once (cached in WORKDIR), two trees:
#   small  100 000 files of 0-699 bytes in 1000 directories
#   large  3 files of 512 MiB from /dev/urandom
# plus a one-file tree for the fixed RSS of each program. Each producer
# writes an image of each tree (-R -J, with and without MD5 tags) into a
# file of WORKDIR, and `cat` copies the large tree's bytes. Modes (env
# MODES, default "cache sync"):
#   cache  input and output in the page cache (`burn mkiso -o -` redirected
#          into the file, because `-o FILE` fsyncs): CPU cost
#   sync   every command followed by `sync FILE`: the image on the disk
#   cold   like sync, with the page cache dropped before each run (input
#          read from the disk; root only, disturbs everything else)
# Env RUNS (default 3, odd) sets the runs per command, env TREES (default
# "one small large") the trees, env BURN a burn binary to use instead of
# building this checkout's. Example: MODES=cold TREES="one large" iso.sh
#
# Printed per command: median wall time, CPU time (user + system, which
# other load on the machine does not inflate), peak RSS; then the ratios
# the targets are about:
#   small tree: burn ≤ 0.5 × genisoimage's time, ≤ 300 B of RSS per file
#   large tree: burn --no-md5 ≤ 1.05 × cat's time; MD5 tags add ≤ 15 %
set -eu
W=${1:-/tmp/iso-bench}
MODES=${MODES:-cache sync}
RUNS=${RUNS:-3}
TREES=${TREES:-one small large}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for tool in xorriso genisoimage python3 /usr/bin/time; do
    command -v "$tool" > /dev/null || { echo "iso.sh: $tool is missing" >&2; exit 1; }
done
if [ -z "${BURN:-}" ]; then
    cargo build --quiet --release -p burn-cli --bin burn --manifest-path "$ROOT/Cargo.toml"
    BURN=$ROOT/target/release/burn
fi
mkdir -p "$W"
OUT=$W/out.iso

if [ ! -f "$W/small.done" ]; then
    echo "creating $W/small (100000 files)" >&2
    rm -rf "$W/small"
    python3 - "$W/small" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(1000):
    p = os.path.join(root, "dir%03d" % (d // 100), "sub%03d" % d)
    os.makedirs(p)
    for f in range(100):
        with open(os.path.join(p, "file_%03d.txt" % f), "wb") as fh:
            fh.write(b"x" * ((d * 100 + f) % 700))
PY
    touch "$W/small.done"
fi
if [ ! -f "$W/large.done" ]; then
    echo "creating $W/large (3 x 512 MiB)" >&2
    rm -rf "$W/large"
    mkdir -p "$W/large"
    for i in 1 2 3; do head -c 536870912 /dev/urandom > "$W/large/f$i.bin"; done
    touch "$W/large.done"
fi
mkdir -p "$W/one"
[ -f "$W/one/x" ] || echo x > "$W/one/x"
NSMALL=$(find "$W/small" -type f | wc -l)
LARGE_BYTES=$(cat "$W"/large/* | wc -c)

median() { sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }

# measure MODE CMD: RUNS runs of `sh -c CMD`; sets T (median wall s),
# C (median user+sys s), M (median peak RSS KiB).
measure() {
    mode=$1 cmd=$2
    : > "$W/times"
    r=0
    while [ "$r" -lt "$RUNS" ]; do
        rm -f "$OUT"
        case $mode in
            cache) full="$cmd" ;;
            sync) full="$cmd && sync $OUT" ;;
            cold)
                full="$cmd && sync $OUT"
                sync
                echo 3 > /proc/sys/vm/drop_caches
                ;;
        esac
        /usr/bin/time -f '%e %U %S %M' -a -o "$W/times" sh -c "$full" > /dev/null 2>&1 \
            || { echo "iso.sh: failed: $full" >&2; exit 1; }
        r=$((r + 1))
    done
    T=$(cut -d' ' -f1 "$W/times" | median)
    C=$(awk '{ printf "%.2f\n", $2 + $3 }' "$W/times" | median)
    M=$(cut -d' ' -f4 "$W/times" | median)
    rm -f "$OUT"
}

# row MODE TREE LABEL CMD (@TREE@ in CMD is the tree): measures, prints
# and records the figures as files NAME.t / NAME.m under $W/res/MODE/TREE.
row() {
    mode=$1 tree=$2 label=$3 cmd=$4
    measure "$mode" "$(echo "$cmd" | sed "s|@TREE@|$W/$tree|g")"
    printf '%-6s %-6s %-34s %7s s %7s s %9s KiB\n' "$mode" "$tree" "$label" "$T" "$C" "$M"
    d=$W/res/$mode/$tree
    mkdir -p "$d"
    echo "$T" > "$d/$(echo "$label" | tr -c 'a-zA-Z0-9\n' _).t"
    echo "$M" > "$d/$(echo "$label" | tr -c 'a-zA-Z0-9\n' _).m"
}

get() {
    f="$W/res/$1/$2/$(echo "$3" | tr -c 'a-zA-Z0-9\n' _).$4"
    if [ -f "$f" ]; then cat "$f"; else echo -; fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }
per_file() {
    awk -v a="$1" -v b="$2" -v n="$NSMALL" \
        'BEGIN { if (a != "-" && b != "-") printf "%.0f", (a - b) * 1024 / n; else print "-" }'
}

BURN_CACHE="$BURN mkiso -o - @TREE@ > $OUT"
BURN_FILE="$BURN mkiso -o $OUT @TREE@"

echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); $NSMALL small files; $LARGE_BYTES bytes in the large tree"
printf '%-6s %-6s %-34s %9s %9s %13s\n' mode tree command wall cpu "peak RSS"
rm -rf "$W/res"
for mode in $MODES; do
    if [ "$mode" = cache ]; then B=$BURN_CACHE; else B=$BURN_FILE; fi
    # Warm the page cache (peers-and-oracles.md §6); `cold` drops it.
    cat "$W"/large/* > /dev/null
    find "$W/small" -type f -exec cat {} + > /dev/null
    for tree in $TREES; do
        row "$mode" "$tree" "burn mkiso --no-md5" "$B --no-md5"
        row "$mode" "$tree" "burn mkiso --md5" "$B --md5"
        row "$mode" "$tree" "xorriso -as mkisofs -R -J" "xorriso -as mkisofs -quiet -R -J -o $OUT @TREE@"
        row "$mode" "$tree" "xorriso -as mkisofs -R -J --md5" "xorriso -as mkisofs -quiet -R -J --md5 -o $OUT @TREE@"
        row "$mode" "$tree" "genisoimage -R -J" "genisoimage -quiet -R -J -o $OUT @TREE@"
        if [ "$tree" = large ]; then
            row "$mode" "$tree" "cat (the same bytes)" "cat @TREE@/* > $OUT"
        fi
    done
done

echo
echo "Targets (median wall times; RSS per file = (RSS(small) - RSS(one file)) / $NSMALL):"
for mode in $MODES; do
    g=$(get "$mode" small "genisoimage -R -J" t)
    for what in "burn mkiso --no-md5" "burn mkiso --md5"; do
        t=$(get "$mode" small "$what" t)
        per=$(per_file "$(get "$mode" small "$what" m)" "$(get "$mode" one "$what" m)")
        printf '%-6s small: %-22s %5s x genisoimage (target <= 0.5), %4s B RSS per file (target <= 300)\n' \
            "$mode" "$what" "$(ratio "$t" "$g")" "$per"
    done
    for what in "xorriso -as mkisofs -R -J" "genisoimage -R -J"; do
        per=$(per_file "$(get "$mode" small "$what" m)" "$(get "$mode" one "$what" m)")
        printf '%-6s small: %-31s %4s B RSS per file\n' "$mode" "$what" "$per"
    done
    c=$(get "$mode" large "cat (the same bytes)" t)
    n=$(get "$mode" large "burn mkiso --no-md5" t)
    m=$(get "$mode" large "burn mkiso --md5" t)
    xn=$(get "$mode" large "xorriso -as mkisofs -R -J" t)
    xm=$(get "$mode" large "xorriso -as mkisofs -R -J --md5" t)
    printf '%-6s large: burn --no-md5 %s x cat (target <= 1.05); --md5 %s x --no-md5 (target <= 1.15)\n' \
        "$mode" "$(ratio "$n" "$c")" "$(ratio "$m" "$n")"
    printf '%-6s large: burn --md5 %s x xorriso --md5; xorriso --md5 %s x xorriso\n' \
        "$mode" "$(ratio "$m" "$xm")" "$(ratio "$xm" "$xn")"
done
rm -f "$W/times"
