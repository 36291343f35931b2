# checks.sh - sourced by lab guest scripts (busybox ash): named checks whose
# output the host picks out of the console (hw-tests LabRun::section).
#
#   . /lab/checks.sh
#   check NAME CMD [ARG...]    run CMD, framed by @@BEGIN NAME@@ and
#                              @@END NAME rc=N@@; remembers failures
#   checks_done                exit 1 if any check failed, else 0

CHECKS_FAILED=
check() {
	_name=$1
	shift
	echo "@@BEGIN $_name@@"
	"$@" 2>&1
	_rc=$?
	echo "@@END $_name rc=$_rc@@"
	[ "$_rc" = 0 ] || CHECKS_FAILED="$CHECKS_FAILED $_name"
	return 0
}

checks_done() {
	if [ -n "$CHECKS_FAILED" ]; then
		echo "failed checks:$CHECKS_FAILED"
		exit 1
	fi
	echo "all checks passed"
	exit 0
}
