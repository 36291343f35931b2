#!/bin/sh
# lab-suite.sh - the guest side of hw-tests/tests/lab.rs: one boot, several
# named checks (see checks.sh); the host asserts on each.
#
# Needs LAB_RECORDERS=5 and the read-only ISO drive:
#   recorder 1  the raw MMC sequence (tgt transcript)
#   recorder 2  xorriso burns 16 MB, then the eject/load cycle
#   recorder 3  mmc's inspect example on the blank DVD+R; `burn write IMG`
#               through /dev/srN, check through mmc:/dev/srN, verify
#               through /dev/sgN; refusals on the closed disc, no disc
#   recorder 4  `burn add` of a 50 MB directory (an ISO built while it is
#               written) through /dev/sgN, checked through /dev/sgN
#   recorder 5  refusals on the blank DVD+R, then `burn write -` of the
#               image from standard input through mmc:/dev/srN, --close
#   recorder 6  exclusive access: one node of the drive held by another
#               program (hold-node) or by a burn in progress, the other
#               node refused to burn; a mounted disc refused through sg
# and in /lab: burn and inspect (this workspace's), hold-node (hw-tests'),
# img50.iso (a 50 MB image the host made with `burn mkiso`).
. /lab/checks.sh

# shellcheck disable=SC2086
set -- $LAB_REC_DEVS
R1=${1:-} R2=${2:-} R3=${3:-} R4=${4:-} R5=${5:-} R6=${6:-}
# shellcheck disable=SC2086
set -- $LAB_REC_SGS
S1=${1:-} S2=${2:-} S3=${3:-} S4=${4:-} S5=${5:-} S6=${6:-}
# /dev/sgN of a block device /dev/srN
sg_of() { for g in /sys/block/"${1#/dev/}"/device/scsi_generic/*; do [ -e "$g" ] && echo "/dev/${g##*/}"; done; }
ISO_SG=$(sg_of "$LAB_ISO_DEV")
IMG=/lab/img50.iso
IMG_BYTES=$( [ -f "$IMG" ] && wc -c <"$IMG" | tr -d ' ')

devices() {
	echo "kernel $(uname -r)"
	echo "iso=$LAB_ISO_DEV ($ISO_SG) recorders=$LAB_REC_DEVS sg=$LAB_REC_SGS"
	[ -b "$LAB_ISO_DEV" ] && [ -c "$ISO_SG" ] || { echo "read-only ISO drive missing"; return 1; }
	for d in "$R1" "$R2" "$R3" "$R4" "$R5" "$R6"; do [ -b "$d" ] || { echo "expected six recorders"; return 1; }; done
	for d in "$S1" "$S2" "$S3" "$S4" "$S5" "$S6"; do [ -c "$d" ] || { echo "expected six recorders"; return 1; }; done
	return 0
}

recorder_inquiry() {
	sg_inq "$S1" >/tmp/inq.txt 2>&1 || { cat /tmp/inq.txt; return 1; }
	cat /tmp/inq.txt
	grep -q 'PDT=5' /tmp/inq.txt && grep -q 'IET' /tmp/inq.txt && grep -q 'VIRTUAL-CDROM' /tmp/inq.txt
}

# mmc's inspect example with the CDB trace (MMC_TRACE=1: one line per
# command and completion, the first bytes of each reply)
inspect_traced() { MMC_TRACE=1 inspect "$1"; }

raw_sequence() {
	tgt-raw-sequence.sh "$S1" "$LAB_SHARE/tgt-transcript.txt" || return 1
	echo "steps: $(grep -c '^=== ' "$LAB_SHARE/tgt-transcript.txt")"
}

xorriso_burn() {
	mkdir -p /tmp/payload/sub
	dd if=/dev/urandom of=/tmp/payload/big.bin bs=1M count=16 2>/dev/null
	echo "hello from the lab" >/tmp/payload/sub/small.txt
	(cd /tmp/payload && md5sum big.bin sub/small.txt) >/tmp/payload.md5
	sed 's/^/payload-md5: /' /tmp/payload.md5
	xorriso -outdev "$R2" -toc 2>&1 | grep -E '^Media (current|status)'
	xorriso -md5 on -write_type tao -outdev "$R2" -map /tmp/payload /payload -commit >/tmp/burn.log 2>&1 ||
		{ cat /tmp/burn.log; return 1; }
	grep -E 'completed successfully' /tmp/burn.log || { cat /tmp/burn.log; return 1; }
	xorriso -md5 on -indev "$R2" -check_md5_r sorry / -- >/tmp/check.log 2>&1 || { cat /tmp/check.log; return 1; }
	grep -E 'MD5 checksums match' /tmp/check.log || { cat /tmp/check.log; return 1; }
}

media_control() {
	lab-media eject 2 || return 1
	if sg_turs "$S2" >/tmp/turs.txt 2>&1; then echo "TEST UNIT READY succeeded with the medium out"; return 1; fi
	echo "ejected: $(cat /tmp/turs.txt)"
	lab-media load 2 || return 1
	sg_turs "$S2" || { echo "not ready after load"; return 1; }
	sg_raw -r 8 -o /tmp/cfg.bin "$S2" 46 01 00 00 00 00 00 00 08 00 >/dev/null 2>&1 || return 1
	echo "profile after load: $(od -An -tx1 -j6 -N2 /tmp/cfg.bin | tr -d ' ')"
	mkdir -p /mnt/disc
	mount -t iso9660 -o ro "$R2" /mnt/disc || return 1
	(cd /mnt/disc/payload && md5sum -c /tmp/payload.md5)
	rc=$?
	umount /mnt/disc
	return $rc
}

iso_drive() {
	sg_raw -r 8 -o /tmp/cfg.bin "$ISO_SG" 46 01 00 00 00 00 00 00 08 00 >/dev/null 2>&1 || return 1
	echo "profile: $(od -An -tx1 -j6 -N2 /tmp/cfg.bin | tr -d ' ')"
	sg_raw -s 2048 -i /dev/zero "$ISO_SG" 2a 00 00 00 00 00 00 00 01 00 >/tmp/w.txt 2>&1
	echo "write: $(grep -E 'Sense key|Additional sense' /tmp/w.txt | tr '\n' ' ')"
	mkdir -p /mnt/ro
	mount -t iso9660 -o ro "$LAB_ISO_DEV" /mnt/ro || return 1
	echo "readme: $(cat /mnt/ro/README.TXT)"
	echo "numbers: $(wc -l </mnt/ro/sub/numbers.txt)"
	umount /mnt/ro
}

workspace_binary() {
	[ -x /lab/burn ] || { echo "/lab/burn missing"; return 1; }
	/lab/burn --version
	rc=$?
	echo "burn --version exit $rc"
	# 126/127: not executable or missing libraries in the guest
	[ "$rc" != 126 ] && [ "$rc" != 127 ]
}

# ---------------------------------------------------------------- burn CLI
# Every command runs through `run` (checks.sh): the host reads its output,
# exit status and JSON document.
P="--progress never"

burn_devices() {
	run 0 burn devices || return 1
	run 0 burn devices --json
}

burn_info_blank() {
	run 0 burn --dev "$R3" info || return 1
	run 0 burn --dev "$R3" --json info || return 1
	run 0 burn --dev "$S3" --json info || return 1
	run 0 burn --dev "mmc:$R3" --json info
}

# the 50 MB image through /dev/srN; tgt refuses RESERVE TRACK (open-ended
# write) and turns the disc into a DVD-ROM when the session is closed
burn_write_sr() {
	[ -n "$IMG_BYTES" ] || { echo "$IMG missing"; return 1; }
	run 0 md5sum "$IMG" || return 1
	# -v: the engine's log says why it writes open-ended
	# shellcheck disable=SC2086
	run 0 burn --dev "$R3" -v --json $P write "$IMG" || return 1
	# what the drive says right after the write, before the kernel re-reads
	run 0 burn --dev "$R3" --json info || return 1
	# eject/load: the kernel notices the new capacity of /dev/srN
	run 0 lab-media load 3 || return 1
	run 0 burn --dev "$R3" info
}

burn_check_sr() {
	# shellcheck disable=SC2086
	run 0 burn --dev "mmc:$R3" $P check || return 1
	# shellcheck disable=SC2086
	run 0 burn --dev "$S3" --json $P verify "$IMG" || return 1
	run 0 xorriso -md5 on -indev "$R3" -check_md5_r sorry / -- || return 1
	# the kernel's iso9660 reads the disc too
	mkdir -p /mnt/disc3
	run 0 mount -t iso9660 -o ro "$R3" /mnt/disc3 || return 1
	run 0 md5sum /mnt/disc3/data/random.bin
	rc=$?
	umount /mnt/disc3
	return $rc
}

# what tgt's recorder cannot do, and what no disc means
burn_refusals() {
	ok=0
	# the closed disc (tgt made it a DVD-ROM)
	# shellcheck disable=SC2086
	run 4 burn --dev "$R3" $P write "$IMG" || ok=1
	# shellcheck disable=SC2086
	run 4 burn --dev "$S3" $P add /lab/checks.sh || ok=1
	run 4 burn --dev "$S3" blank || ok=1
	# the blank DVD+R of recorder 5: no BLANK, no FORMAT UNIT
	run 4 burn --dev "$S5" blank || ok=1
	run 4 burn --dev "mmc:$R5" format || ok=1
	run 4 burn --dev "$R5" --json format || ok=1
	run any burn --dev "$S5" formats || ok=1
	# many commands, some of which tgt rejects (READ FORMAT CAPACITIES, ...)
	run 0 burn --dev "$S5" info --diagnostic || ok=1
	run 4 burn --dev mmc:/dev/null info || ok=1
	# no disc: tgt's medium taken out
	run 0 lab-media eject 3 || ok=1
	run 0 burn --dev "$R3" info || ok=1
	run 0 burn --dev "$S3" --json info || ok=1
	run 4 burn --dev "$R3" check || ok=1
	# shellcheck disable=SC2086
	run 4 burn --dev "$S3" $P write "$IMG" || ok=1
	run 4 burn --dev "$S3" --json $P verify "$IMG" || ok=1
	run 0 lab-media load 3 || ok=1
	# the drive's own eject (START STOP UNIT) and load
	run 0 burn --dev "$S3" eject || ok=1
	run 0 burn --dev "$S3" --json info || ok=1
	run any burn --dev "$S3" eject --load || ok=1
	run 0 lab-media load 3 || ok=1
	run 0 burn --dev "$R3" --json info || ok=1
	return $ok
}

# a 50 MB directory as a stream: add builds the ISO while it is written
burn_add_sg() {
	mkdir -p /tmp/d50/sub
	dd if=/dev/urandom of=/tmp/d50/random.bin bs=1M count=48 2>/dev/null || return 1
	echo "added by burn through SG_IO" >/tmp/d50/sub/note.txt
	run 0 sh -c 'cd /tmp/d50 && md5sum random.bin sub/note.txt' || return 1
	# shellcheck disable=SC2086
	run 0 burn --dev "$S4" --json $P add --volid LAB_ADD /tmp/d50=/data || return 1
	# shellcheck disable=SC2086
	run 0 burn --dev "$S4" --json $P check || return 1
	run 0 lab-media load 4 || return 1
	run 0 xorriso -md5 on -indev "$R4" -check_md5_r sorry / --
}

# the image from standard input, closing the disc
burn_write_stdin() {
	[ -n "$IMG_BYTES" ] || { echo "$IMG missing"; return 1; }
	run 0 sh -c "cat $IMG | burn --dev mmc:$R5 --json $P write - --size $IMG_BYTES --close" || return 1
	run 0 lab-media load 5 || return 1
	# shellcheck disable=SC2086
	run 0 burn --dev "$R5" $P verify "$IMG" || return 1
	run 0 xorriso -md5 on -indev "$S5" -check_md5_r sorry / --
}

# QEMU's read-only CD-ROM through burn
burn_iso_drive() {
	ok=0
	run 0 burn --dev "$LAB_ISO_DEV" --json info || ok=1
	run 0 burn --dev "$LAB_ISO_DEV" ls -l / || ok=1
	run 0 burn --dev "$ISO_SG" ls /sub || ok=1
	rm -rf "$LAB_SHARE/extract"
	mkdir -p "$LAB_SHARE/extract"
	run 0 burn --dev "$LAB_ISO_DEV" extract /README.TXT "$LAB_SHARE/extract/README.TXT" || ok=1
	run 0 burn --dev "$ISO_SG" extract /sub/numbers.txt "$LAB_SHARE/extract/numbers.txt" || ok=1
	# shellcheck disable=SC2086
	run 4 burn --dev "$LAB_ISO_DEV" $P write "$IMG" || ok=1
	# shellcheck disable=SC2086
	run 4 burn --dev "$ISO_SG" --json $P write "$IMG" || ok=1
	run 0 burn --dev "$LAB_ISO_DEV" eject || ok=1
	run 0 burn --dev "$LAB_ISO_DEV" --json info || ok=1
	return $ok
}

# ------------------------------------------------- exclusive access (rec 6)
# `hold NODE...`: hold-node opens the nodes with O_EXCL (as another burner
# would) and keeps them until `release` closes its standard input
HOLD_FIFO=/tmp/hold.fifo
# whether process $1 runs (a child that has ended stays a zombie until
# `wait`, and `kill -0` still finds it)
alive() { [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat"; }
hold() {
	rm -f "$HOLD_FIFO" /tmp/hold.out
	mkfifo "$HOLD_FIFO" || return 1
	hold-node "$@" <"$HOLD_FIFO" >/tmp/hold.out 2>&1 &
	HOLD_PID=$!
	exec 9>"$HOLD_FIFO"
	_i=0
	until grep -q '^holding' /tmp/hold.out; do
		_i=$((_i + 1))
		if [ $_i -gt 600 ] || ! alive "$HOLD_PID"; then
			cat /tmp/hold.out
			exec 9>&-
			return 1
		fi
		sleep 0.1
	done
	sed 's/^/hold-node: /' /tmp/hold.out
}
release() {
	exec 9>&-
	wait "$HOLD_PID"
	echo "hold-node: exit $?"
}

# the device nodes process $1 has open, one per line
open_nodes() { for f in /proc/"$1"/fd/*; do readlink "$f"; done 2>/dev/null | grep '^/dev/s[rg]' | sort; }

burn_exclusive() {
	ok=0
	SMALL=/tmp/small.iso
	mkdir -p /tmp/small
	dd if=/dev/urandom of=/tmp/small/random.bin bs=1k count=600 2>/dev/null || return 1
	# shellcheck disable=SC2086
	run 0 burn $P mkiso --volid EXCL -o "$SMALL" /tmp/small=/small || return 1
	cp "$SMALL" "$LAB_SHARE/small.iso" || return 1
	run 0 md5sum "$SMALL" || return 1
	small_bytes=$(wc -c <"$SMALL" | tr -d ' ')

	# another program has /dev/srN to itself: reading through /dev/sgN
	# works, burning through it does not, until the other program is done
	hold "$R6" || return 1
	run 0 burn --dev "$S6" --json info || ok=1
	# shellcheck disable=SC2086
	run 4 burn --dev "$S6" --json $P add /lab/checks.sh || ok=1
	release
	# shellcheck disable=SC2086
	run 0 burn --dev "$S6" --json $P add --volid EXCL_ADD /lab/checks.sh || ok=1

	# the reverse: /dev/sgN held, /dev/srN refused for writing and blanking
	run 0 lab-media blank 6 || return 1
	hold "$S6" || return 1
	run 0 burn --dev "$R6" --json info || ok=1
	# shellcheck disable=SC2086
	run 4 burn --dev "$R6" $P write "$SMALL" || ok=1
	run 4 burn --dev "$R6" blank || ok=1
	release
	# shellcheck disable=SC2086
	run 0 burn --dev "$R6" --json $P write "$SMALL" || ok=1

	# a burn in progress holds both nodes: `burn write -` through /dev/srN
	# from a FIFO that has given it only the first 64 KiB
	run 0 lab-media blank 6 || return 1
	rm -f /tmp/feed.fifo
	mkfifo /tmp/feed.fifo || return 1
	burn --dev "$R6" --json $P write - --size "$small_bytes" </tmp/feed.fifo >/tmp/held.out 2>/tmp/held.err &
	held_pid=$!
	exec 8>/tmp/feed.fifo
	dd if="$SMALL" bs=65536 count=1 >&8 2>/dev/null
	# wait until it has both nodes open (or has ended)
	_i=0
	until [ "$(open_nodes "$held_pid" | wc -l)" -ge 2 ]; do
		_i=$((_i + 1))
		[ $_i -le 600 ] && alive "$held_pid" || break
		sleep 0.1
	done
	open_nodes "$held_pid" | sed 's/^/burn holds: /'
	# shellcheck disable=SC2086
	run 4 burn --dev "$S6" --json $P add /lab/checks.sh || ok=1
	run 4 burn --dev "$R6" blank || ok=1
	dd if="$SMALL" bs=65536 skip=1 >&8 2>/dev/null
	exec 8>&-
	# as `run` does: a hang fails instead of stalling the suite
	_i=0
	while alive "$held_pid" && [ $_i -lt 3000 ]; do
		_i=$((_i + 1))
		sleep 0.1
	done
	kill -KILL "$held_pid" 2>/dev/null
	wait "$held_pid"
	held_rc=$?
	# framed like `run` for the host
	echo "\$ burn --dev $R6 --json $P write - --size $small_bytes (held)"
	cat /tmp/held.out
	sed 's/^/stderr: /' /tmp/held.err
	echo "rc=$held_rc"
	[ "$held_rc" = 0 ] || ok=1

	# a mounted disc: refused through /dev/sgN too (the mount keeps only
	# /dev/srN busy)
	run 0 lab-media load 6 || return 1
	mkdir -p /mnt/disc6
	run 0 mount -t iso9660 -o ro "$R6" /mnt/disc6 || return 1
	run 4 burn --dev "$S6" blank || ok=1
	# shellcheck disable=SC2086
	run 4 burn --dev "$R6" --json $P write "$SMALL" || ok=1
	umount /mnt/disc6 || ok=1
	return $ok
}

check devices devices
check recorder-inquiry recorder_inquiry
check inspect-sg inspect_traced "$S3"
check inspect-sr inspect_traced "$R3"
check inspect-iso inspect "$LAB_ISO_DEV"
check tgt-raw-sequence raw_sequence
check xorriso-burn xorriso_burn
check media-control media_control
check iso-drive iso_drive
check workspace-binary workspace_binary
check burn-devices burn_devices
check burn-info-blank burn_info_blank
check burn-write-sr burn_write_sr
check inspect-closed inspect "$S3"
check burn-check-sr burn_check_sr
check burn-refusals burn_refusals
check burn-add-sg burn_add_sg
check burn-write-stdin burn_write_stdin
check burn-iso-drive burn_iso_drive
check burn-exclusive burn_exclusive
checks_done
