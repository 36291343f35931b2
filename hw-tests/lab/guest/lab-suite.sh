#!/bin/sh
# lab-suite.sh - the guest side of hw-tests/tests/lab.rs: one boot, several
# named checks (see checks.sh); the host asserts on each.
# Needs LAB_RECORDERS=2 (recorder 1: raw MMC sequence, recorder 2: burns)
# and the read-only ISO drive. Optional: /lab/burn (this workspace's CLI).
. /lab/checks.sh

# shellcheck disable=SC2086
set -- $LAB_REC_DEVS
R1=${1:-} R2=${2:-}
# shellcheck disable=SC2086
set -- $LAB_REC_SGS
S1=${1:-} S2=${2:-}
# /dev/sgN of a block device /dev/srN
sg_of() { for g in /sys/block/"${1#/dev/}"/device/scsi_generic/*; do [ -e "$g" ] && echo "/dev/${g##*/}"; done; }
ISO_SG=$(sg_of "$LAB_ISO_DEV")

devices() {
	echo "kernel $(uname -r)"
	echo "iso=$LAB_ISO_DEV ($ISO_SG) recorders=$LAB_REC_DEVS sg=$LAB_REC_SGS"
	[ -b "$LAB_ISO_DEV" ] && [ -c "$ISO_SG" ] || { echo "read-only ISO drive missing"; return 1; }
	[ -b "$R1" ] && [ -b "$R2" ] && [ -c "$S1" ] && [ -c "$S2" ] || { echo "expected two recorders"; return 1; }
	return 0
}

recorder_inquiry() {
	sg_inq "$S1" >/tmp/inq.txt 2>&1 || { cat /tmp/inq.txt; return 1; }
	cat /tmp/inq.txt
	grep -q 'PDT=5' /tmp/inq.txt && grep -q 'IET' /tmp/inq.txt && grep -q 'VIRTUAL-CDROM' /tmp/inq.txt
}

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

check devices devices
check recorder-inquiry recorder_inquiry
check tgt-raw-sequence raw_sequence
check xorriso-burn xorriso_burn
check media-control media_control
check iso-drive iso_drive
check workspace-binary workspace_binary
checks_done
