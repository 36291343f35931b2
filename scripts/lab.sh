#!/bin/sh
# scripts/lab.sh - run the VM lab (hw-tests/lab/mmc-lab.sh) by hand with the
# same defaults as the hw-tests harness: the guest kernel is cached in
# target/lab-cache, the work dir is target/lab-runs/manual, and the guest
# helpers checks.sh and tgt-raw-sequence.sh are copied into the guest's /lab.
#
#   scripts/lab.sh GUEST_CMD [EXTRA_FILE...]
#   scripts/lab.sh --serve                 (tgtd only, for host-side probes)
#
# Examples:
#   scripts/lab.sh hw-tests/lab/examples/burn-smoke.sh
#   cargo build -p burn-cli && scripts/lab.sh my-test.sh target/debug/burn
#   LAB_RECORDERS=6 scripts/lab.sh hw-tests/lab/guest/lab-suite.sh target/debug/burn \
#       target/debug/examples/inspect target/debug/hold-node target/lab-inputs/img50.iso
#       (the hw-tests suite; cargo test -p hw-tests --test lab makes img50.iso)
# Every LAB_* variable of mmc-lab.sh (hw-tests/lab/README.md) is honoured.
# Re-runs itself with sudo when not root.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
	exec sudo -E "$0" "$@"
fi
: "${LAB_CACHE:=$root/target/lab-cache}"
: "${LAB_DIR:=$root/target/lab-runs/manual}"
export LAB_CACHE LAB_DIR
[ $# -ge 1 ] || exec "$root/hw-tests/lab/mmc-lab.sh"
if [ "$1" = --serve ]; then
	exec "$root/hw-tests/lab/mmc-lab.sh" --serve
fi
cmd=$1
shift
exec "$root/hw-tests/lab/mmc-lab.sh" "$cmd" \
	"$root/hw-tests/lab/guest/checks.sh" "$root/hw-tests/lab/guest/tgt-raw-sequence.sh" "$@"
