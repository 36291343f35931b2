#!/bin/sh
# Benchmark of the ISO writer against xorriso and genisoimage
# (method of peers-and-oracles.md §6: warm cache, 3 runs, median).
#
#   bench/iso.sh [WORKDIR]        (default /tmp/iso-bench)
#
# Builds iso-writer's example `mkiso` in release mode, creates two trees
# (100 000 small files in 1000 directories; 16 files of 64 MiB) unless
# they exist, and prints wall time and peak RSS of each producer writing
# an image file on the same file system, plus `cat` of the big files.
set -eu
W=${1:-/tmp/iso-bench}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cargo build --quiet --release -p iso-writer --example mkiso --manifest-path "$ROOT/Cargo.toml"
MKISO=$ROOT/target/release/examples/mkiso
mkdir -p "$W"

if [ ! -d "$W/small" ]; then
    echo "creating $W/small (100000 files)" >&2
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
fi
if [ ! -d "$W/big" ]; then
    echo "creating $W/big (16 x 64 MiB)" >&2
    mkdir -p "$W/big"
    for i in $(seq 1 16); do head -c 67108864 /dev/urandom > "$W/big/f$i.bin"; done
fi

# Warm the page cache.
cat "$W"/big/* > /dev/null
find "$W/small" -type f | xargs cat > /dev/null

median() { sort -n | sed -n 2p; }

# run LABEL CMD...: 3 runs, median wall time and RSS.
run() {
    label=$1; shift
    : > "$W/times"
    for r in 1 2 3; do
        rm -f "$W/out.iso"
        /usr/bin/time -f '%e %M' -a -o "$W/times" "$@" > /dev/null 2>&1
    done
    t=$(cut -d' ' -f1 "$W/times" | median)
    m=$(cut -d' ' -f2 "$W/times" | median)
    printf '%-12s %-28s %8s s %9s KiB\n' "$tree" "$label" "$t" "$m"
}

for tree in small big; do
    T=$W/$tree
    run "burn mkiso -R -J"        "$MKISO" --no-md5 -o "$W/out.iso" "$T"
    run "burn mkiso -R -J md5"    "$MKISO" -o "$W/out.iso" "$T"
    run "xorriso -R -J"           xorriso -as mkisofs -quiet -R -J -o "$W/out.iso" "$T"
    run "xorriso -R -J --md5"     xorriso -as mkisofs -quiet -R -J --md5 -o "$W/out.iso" "$T"
    run "genisoimage -R -J"       genisoimage -quiet -R -J -o "$W/out.iso" "$T"
    if [ "$tree" = big ]; then
        run "cat (same bytes)"    sh -c "cat $T/* > $W/out.iso"
    fi
done
rm -f "$W/out.iso" "$W/times"
