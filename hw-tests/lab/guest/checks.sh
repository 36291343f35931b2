# checks.sh - sourced by lab guest scripts (busybox ash): named checks whose
# output the host picks out of the console (hw-tests LabRun::section).
#
#   . /lab/checks.sh
#   check NAME CMD [ARG...]    run CMD, framed by @@BEGIN NAME@@ and
#                              @@END NAME rc=N@@ secs=S (S: seconds it
#                              took); remembers failures
#   run RC CMD [ARG...]        inside a check: run one command and frame it
#                              for the host (LabRun Section::runs):
#                                $ CMD ARG...
#                                (its standard output)
#                                stderr: (each line of its standard error)
#                                rc=N
#                              returns 0 when N is RC ("any": always).
#                              CMD must be a program (not a shell
#                              function); it is killed after RUN_TIMEOUT
#                              seconds (default 300), so a hang fails
#                              with rc=137 instead of stalling the suite
#   checks_done                exit 1 if any check failed, else 0

CHECKS_FAILED=
check() {
	_name=$1
	shift
	_t0=$(cut -d' ' -f1 /proc/uptime)
	echo "@@BEGIN $_name@@"
	"$@" 2>&1
	_rc=$?
	echo "@@END $_name rc=$_rc@@ secs=$(awk -v a="$_t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')"
	[ "$_rc" = 0 ] || CHECKS_FAILED="$CHECKS_FAILED $_name"
	return 0
}

run() {
	_want=$1
	shift
	printf '$ %s\n' "$*"
	timeout -s KILL "${RUN_TIMEOUT:-300}" "$@" >/tmp/run.out 2>/tmp/run.err
	_got=$?
	cat /tmp/run.out
	# a last line without a newline still gets one, so rc= starts a line
	[ -s /tmp/run.out ] && [ "$(tail -c 1 /tmp/run.out | od -An -c | tr -d ' ')" != '\n' ] && echo
	sed 's/^/stderr: /' /tmp/run.err
	echo "rc=$_got"
	[ "$_want" = any ] || [ "$_got" = "$_want" ] || {
		echo "unexpected exit status $_got (expected $_want)"
		return 1
	}
}

checks_done() {
	if [ -n "$CHECKS_FAILED" ]; then
		echo "failed checks:$CHECKS_FAILED"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
