#!/bin/sh
# Runs every test of the workspace on a Debian machine, installing first what
# the tests need: the independent oracles (xorriso, isoinfo/isovfy, 7z,
# bsdtar, iso-info), the boot-test tools (isolinux, qemu) and the disk tools
# that judge isohybrid images. The VM lab tests (hw-tests) install their own
# packages (tgt, qemu, …) through hw-tests/lab/mmc-lab.sh and need root or
# passwordless sudo (they then run the lab script through `sudo -n`).
set -eu

PKGS="xorriso genisoimage p7zip-full libarchive-tools libcdio-utils \
isolinux syslinux-common syslinux-utils qemu-system-x86 fdisk gdisk mtools dosfstools time"

as_root() {
	if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
		echo "test-all: need root to install test packages: $*" >&2; return 1; fi
}

missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "test-all: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	as_root apt-get install -y --no-install-recommends $missing ||
		{ as_root apt-get update && as_root apt-get install -y --no-install-recommends $missing; }
fi

# The VM lab tests run mmc-lab.sh as root, or through passwordless sudo;
# without either they fail (saying why). Say it up front too.
if [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
	echo "test-all: not root and no passwordless sudo: the VM lab tests (hw-tests --test lab) will fail;" >&2
	echo "test-all: run as root, e.g. sudo -E env \"PATH=\$PATH\" ./scripts/test-all.sh" >&2
fi

cd "$(dirname "$0")/.."
exec cargo test --workspace --locked "$@"
