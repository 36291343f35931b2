#!/bin/sh
# tgt-raw-sequence.sh [SG [OUT]]
#
# Sends a fixed sequence of raw MMC commands with sg_raw to the recorder at
# SG (default $LAB_REC_SG, which must hold a blank DVD+R) and writes one
# record per command to OUT (default: stdout) in the transcript format that
# hw-tests/src/transcript.rs parses:
#
#   === NAME: TITLE
#   cdb: 12 00 00 00 24 00
#   dir: none | in ALLOC | out LEN seq
#   status: GOOD | CHECK CONDITION | ...
#   sense: 70 00 05 ...            (only when the status is not GOOD)
#   data: N [md5 HEX]              (data-in bytes received; md5 if N > 256)
#    05 80 05 12 ...               (hex, 16 per line; first 64 bytes if N > 256)
#   error: TEXT                    (only when sg_raw could not send the command)
#
# Data-out ("seq") is the first LEN bytes of the output of "seq 1 10000".
# The sequence is the one in hw-tests/README.md ("tgt transcript"): inspect a
# blank DVD+R, reserve, write, write at a wrong address, close track and
# session, read back, write after close, eject.
SG=${1:-$LAB_REC_SG}
OUT=${2:-}
[ -n "$SG" ] || { echo "usage: $0 /dev/sgN [OUT]" >&2; exit 2; }
[ -n "$OUT" ] && exec >"$OUT"
T=/tmp/rawseq
mkdir -p "$T"
seq 1 10000 | head -c 32768 >"$T/seq.bin"

# step NAME TITLE none|in|out LEN CDB...
step() {
	name=$1 title=$2 dir=$3 len=$4
	shift 4
	echo "=== $name: $title"
	echo "cdb: $*"
	rm -f "$T/in.bin"
	case $dir in
	in) echo "dir: in $len"; set -- -r "$len" -o "$T/in.bin" "$SG" "$@" ;;
	out) echo "dir: out $len seq"; set -- -s "$len" -i "$T/seq.bin" "$SG" "$@" ;;
	*) echo "dir: none"; set -- "$SG" "$@" ;;
	esac
	sg_raw -v -t 120 "$@" >"$T/sg.txt" 2>&1
	st=$(sed -n 's/^SCSI Status: *//p' "$T/sg.txt" | head -n1 | sed 's/ *$//' | tr a-z A-Z)
	if [ -z "$st" ]; then
		echo "error: $(grep -v 'cdb to send' "$T/sg.txt" | tr '\n' ' ' | sed 's/  */ /g; s/ $//')"
		echo
		return
	fi
	echo "status: $st"
	if [ "$st" != GOOD ]; then
		echo "sense: $(awk '/Raw sense data/ { f = 1; next }
			f && /^[ \t]*$/ { f = 0 }
			f { for (i = 1; i <= NF; i++) printf "%s ", $i }' "$T/sg.txt" | sed 's/ $//')"
	fi
	if [ -f "$T/in.bin" ]; then
		n=$(wc -c <"$T/in.bin" | tr -d ' ')
		if [ "$n" -gt 256 ]; then
			echo "data: $n md5 $(md5sum <"$T/in.bin" | cut -d' ' -f1)"
			od -An -tx1 -v -N64 "$T/in.bin"
		else
			echo "data: $n"
			[ "$n" = 0 ] || od -An -tx1 -v "$T/in.bin"
		fi
	elif [ "$dir" = in ]; then
		echo "data: 0"
	fi
	echo
}

# the two big-endian bytes of $1, as CDB hex
be16() { printf '%02x %02x' $(($1 >> 8 & 255)) $(($1 & 255)); }

step tur "TEST UNIT READY" none 0 00 00 00 00 00 00
step inquiry "INQUIRY" in 36 12 00 00 00 24 00
step get-configuration-8 "GET CONFIGURATION, header only" in 8 46 00 00 00 00 00 00 00 08 00
# full length = Data Length (bytes 0-3) + 4 (MMC-6 §6.6.2.1)
full=8
if [ -f "$T/in.bin" ]; then
	# shellcheck disable=SC2046
	set -- $(od -An -tu1 -N4 "$T/in.bin")
	[ $# = 4 ] && full=$(($1 * 16777216 + $2 * 65536 + $3 * 256 + $4 + 4))
fi
[ "$full" -le 65535 ] || full=65535
# shellcheck disable=SC2046
step get-configuration "GET CONFIGURATION, all features" in "$full" 46 00 00 00 00 00 00 $(be16 "$full") 00
step read-disc-information "READ DISC INFORMATION" in 34 51 00 00 00 00 00 00 00 22 00
step read-track-information-ff "READ TRACK INFORMATION, track FFh" in 48 52 01 00 00 00 ff 00 00 30 00
step read-track-information-1 "READ TRACK INFORMATION, track 1" in 48 52 01 00 00 00 01 00 00 30 00
step read-format-capacities "READ FORMAT CAPACITIES" in 252 23 00 00 00 00 00 00 00 fc 00
step mode-sense-2a "MODE SENSE(10), page 2Ah" in 252 5a 00 2a 00 00 00 00 00 fc 00
step mode-sense-05 "MODE SENSE(10), page 05h" in 252 5a 00 05 00 00 00 00 00 fc 00
step get-performance-03 "GET PERFORMANCE, type 03h (write speed)" in 264 ac 00 00 00 00 00 00 00 00 10 03 00
step read-buffer-capacity "READ BUFFER CAPACITY" in 12 5c 00 00 00 00 00 00 00 0c 00
step reserve-track "RESERVE TRACK, 16 blocks" none 0 53 00 00 00 00 00 00 00 10 00
step write-0 "WRITE(10), 16 blocks at LBA 0" out 32768 2a 00 00 00 00 00 00 00 10 00
step write-1000 "WRITE(10), 16 blocks at LBA 1000 (not the NWA)" out 32768 2a 00 00 00 03 e8 00 00 10 00
step read-track-information-ff-written "READ TRACK INFORMATION, track FFh, after the writes" in 48 52 01 00 00 00 ff 00 00 30 00
step read-disc-information-written "READ DISC INFORMATION, after the writes" in 34 51 00 00 00 00 00 00 00 22 00
step synchronize-cache "SYNCHRONIZE CACHE" none 0 35 00 00 00 00 00 00 00 00 00
step close-track "CLOSE TRACK/SESSION, Immed, close track 1" none 0 5b 01 01 00 00 01 00 00 00 00
step tur-close-track "TEST UNIT READY, after close track" none 0 00 00 00 00 00 00
step close-session "CLOSE TRACK/SESSION, Immed, close session" none 0 5b 01 02 00 00 00 00 00 00 00
step tur-close-session "TEST UNIT READY, after close session" none 0 00 00 00 00 00 00
step get-configuration-8-closed "GET CONFIGURATION, header, after close" in 8 46 00 00 00 00 00 00 00 08 00
step read-disc-information-closed "READ DISC INFORMATION, after close" in 34 51 00 00 00 00 00 00 00 22 00
step read-track-information-1-closed "READ TRACK INFORMATION, track 1, after close" in 48 52 01 00 00 00 01 00 00 30 00
step read-toc-0 "READ TOC/PMA/ATIP, format 0 (TOC)" in 252 43 00 00 00 00 00 00 00 fc 00
step read-toc-1 "READ TOC/PMA/ATIP, format 1 (session info)" in 12 43 00 01 00 00 00 00 00 0c 00
step read-capacity "READ CAPACITY" in 8 25 00 00 00 00 00 00 00 00 00
step read-10-0 "READ(10), 1 block at LBA 0" in 2048 28 00 00 00 00 00 00 00 01 00
step write-closed "WRITE(10), 16 blocks at LBA 16, after close" out 32768 2a 00 00 00 00 10 00 00 10 00
step eject "START STOP UNIT, eject" none 0 1b 00 00 00 02 00
step tur-ejected "TEST UNIT READY, after eject" none 0 00 00 00 00 00 00
exit 0
