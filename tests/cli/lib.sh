# tests/cli/lib.sh: helpers for the TAP tests of the crm binary. POSIX sh.
#
# A test sources it first, then plans, runs its checks, and finishes:
#
#	. "$SRCDIR/tests/cli/lib.sh"
#	plan 2
#	check 'init creates the database' 0 'match:^created crm database ' empty \
#		"$CRM" init
#	assert 'the database is private' test "$(stat -c %a crm.db)" = 600
#	finish
#
# Every check asserts the exit status, stdout and stderr of one command
# together, as pkg's atf_check -s -o -e and git's test_expect_code do.
#
# Environment. CRM (the crm binary) and SRCDIR (the source root) must be
# set, or the test bails out. CRM_DB, CRM_BUSY_TIMEOUT and CRM_USER are
# unset, and TZ is UTC, so that the settings of whoever runs the tests do
# not leak into them. CRM_TEST_KEEP=1 keeps the temporary directory for a look afterwards.
# The suite runs with CRM_TEST_CHECK_KEYS=1 (tests/meson.build): each commit
# of crm import, which leaves SQLite's key checks out, checks every foreign
# key of the database (src/db.h).
#
# Sourcing makes a fresh temporary directory, removed on exit (also on HUP,
# INT and TERM), and changes into an empty working directory inside it.
#	TEST_TMP       root of the temporary directory: scratch files go here
#	TEST_DIR       the empty working directory the test starts in
#	CHECK_OUT      file with the stdout of the last check or assert
#	CHECK_ERR      file with the stderr of the last check or assert
#	CHECK_STATUS   exit status of the last check or assert
#
# Functions.
#	plan N              print the plan "1..N"; call it before the first test
#	ok DESC             report the next test as passed
#	not_ok DESC [LINE...]
#	                    report the next test as failed, LINEs as diagnostics
#	skip DESC REASON    report the next test as skipped ("ok N - DESC # SKIP REASON")
#	result STATUS DESC [LINE...]
#	                    ok if STATUS is 0, else not_ok DESC LINE...
#	diag LINE...        print each LINE as a TAP comment, "# LINE"
#	diag_file FILE      print the lines of FILE as TAP comments
#	check [-i FILE] DESC STATUS STDOUT STDERR CMD [ARG...]
#	                    run CMD with stdin from FILE (default /dev/null);
#	                    ok if its exit status, stdout and stderr all meet the
#	                    expectations below, else not_ok with the differences
#	assert DESC CMD [ARG...]
#	                    ok if CMD exits 0; on failure its output is shown
#	have PROG           true if PROG is a command on PATH
#	new_dir             print the name of a new empty directory in TEST_TMP
#	bail_out REASON     print "Bail out! REASON" and exit 1
#	finish              exit 0 if every planned test ran and passed, else 1
#
# Expectations of check:
#	STATUS          an exit status (0, 2, ...); "!0" for any failure;
#	                "any" for any status
#	STDOUT, STDERR  one of
#	    empty          nothing at all
#	    ignore         anything
#	    inline:TEXT    exactly TEXT and a newline (TEXT may hold newlines)
#	    file:PATH      exactly the contents of PATH
#	    match:ERE      some line matches the extended regular expression
#	    not-match:ERE  no line matches it (an empty output passes)

bail_out()
{
	echo "Bail out! $*"
	exit 1
}

[ -n "${CRM-}" ] && [ -n "${SRCDIR-}" ] ||
	bail_out 'CRM and SRCDIR must be set (meson test sets them)'
# The tests change directory: make both absolute first.
case $CRM in /*) ;; *) CRM=$PWD/$CRM ;; esac
case $SRCDIR in /*) ;; *) SRCDIR=$PWD/$SRCDIR ;; esac
[ -x "$CRM" ] || bail_out "CRM=$CRM is not an executable file"
[ -d "$SRCDIR" ] || bail_out "SRCDIR=$SRCDIR is not a directory"
unset CRM_DB CRM_BUSY_TIMEOUT CRM_USER
# Times are shown in local time: the tests' is UTC, whatever the machine's,
# unless a check sets TZ itself.
TZ=UTC
export TZ

_lib_planned=
_lib_count=0
_lib_failed=0

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/crm-test.XXXXXX") ||
	bail_out 'cannot make a temporary directory'
_lib_dir=$TEST_TMP/.lib
TEST_DIR=$TEST_TMP/work
CHECK_OUT=$_lib_dir/stdout
CHECK_ERR=$_lib_dir/stderr
CHECK_STATUS=
mkdir "$_lib_dir" "$TEST_DIR" || bail_out "cannot populate $TEST_TMP"

_lib_cleanup()
{
	cd / || return
	if [ -n "${CRM_TEST_KEEP-}" ]; then
		echo "lib.sh: kept $TEST_TMP" >&2
		return
	fi
	# A test may have taken permissions away to provoke errors.
	chmod -R u+rwx "$TEST_TMP" 2>/dev/null
	rm -rf "$TEST_TMP"
}
trap _lib_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$TEST_DIR" || bail_out "cannot enter $TEST_DIR"

plan()
{
	_lib_planned=$1
	echo "1..$1"
}

diag()
{
	for _lib_line in "$@"; do
		printf '%s\n' "$_lib_line" | sed 's/^/# /'
	done
}

diag_file()
{
	sed 's/^/# /' "$1"
}

# TAP reads "#" in a description as the start of a directive.
_lib_desc()
{
	case $1 in
	*'#'*) printf '%s' "$1" | sed 's/#/\\#/g' ;;
	*) printf '%s' "$1" ;;
	esac
}

ok()
{
	_lib_count=$((_lib_count + 1))
	echo "ok $_lib_count - $(_lib_desc "$1")"
}

not_ok()
{
	_lib_count=$((_lib_count + 1))
	_lib_failed=$((_lib_failed + 1))
	echo "not ok $_lib_count - $(_lib_desc "$1")"
	shift
	diag "$@"
}

skip()
{
	_lib_count=$((_lib_count + 1))
	echo "ok $_lib_count - $(_lib_desc "$1") # SKIP $2"
}

result()
{
	_lib_status=$1
	shift
	if [ "$_lib_status" -eq 0 ]; then
		ok "$1"
	else
		not_ok "$@"
	fi
}

have()
{
	command -v "$1" >/dev/null 2>&1
}

new_dir()
{
	mktemp -d "$TEST_TMP/dir.XXXXXX"
}

# Appends to the reasons why the current check failed.
_lib_why()
{
	printf '%s\n' "$@" >>"$_lib_dir/why"
}

_lib_show()
{
	if [ -s "$1" ]; then
		sed 's/^/    /' "$1" >>"$_lib_dir/why"
	else
		_lib_why '    (nothing)'
	fi
}

# _lib_expect WHAT SPEC FILE: does FILE (the command's WHAT) meet SPEC?
_lib_expect()
{
	case $2 in
	ignore)
		return 0
		;;
	empty)
		[ ! -s "$3" ] && return 0
		_lib_why "$1 should be empty, but is:"
		_lib_show "$3"
		;;
	inline:*)
		printf '%s\n' "${2#inline:}" >"$_lib_dir/expected"
		_lib_same "$1" "$_lib_dir/expected" "$3" && return 0
		;;
	file:*)
		_lib_same "$1" "${2#file:}" "$3" && return 0
		;;
	match:*)
		grep -E -e "${2#match:}" "$3" >/dev/null && return 0
		_lib_why "$1 has no line matching '${2#match:}'; it is:"
		_lib_show "$3"
		;;
	not-match:*)
		grep -E -e "${2#not-match:}" "$3" >/dev/null || return 0
		_lib_why "$1 has a line matching '${2#not-match:}'; it is:"
		_lib_show "$3"
		;;
	*)
		bail_out "check: unknown expectation '$2' for $1"
		;;
	esac
	return 1
}

_lib_same()
{
	if [ ! -r "$2" ]; then
		_lib_why "$1: expected file '$2' cannot be read"
		return 1
	fi
	cmp -s "$2" "$3" && return 0
	_lib_why "$1 differs from what was expected (-expected +actual):"
	diff -u "$2" "$3" | sed '1,2d; s/^/    /' >>"$_lib_dir/why"
	return 1
}

check()
{
	_lib_in=/dev/null
	if [ "$1" = -i ]; then
		_lib_in=$2
		shift 2
	fi
	[ $# -ge 5 ] || bail_out 'check: usage: check [-i FILE] DESC STATUS STDOUT STDERR CMD [ARG...]'
	_lib_ck_desc=$1
	_lib_ck_status=$2
	_lib_ck_out=$3
	_lib_ck_err=$4
	shift 4
	: >"$_lib_dir/why"
	"$@" <"$_lib_in" >"$CHECK_OUT" 2>"$CHECK_ERR"
	CHECK_STATUS=$?
	case $_lib_ck_status in
	any) ;;
	'!0')
		[ "$CHECK_STATUS" -ne 0 ] || _lib_why "exit status is 0, expected a failure"
		;;
	*)
		[ "$CHECK_STATUS" -eq "$_lib_ck_status" ] ||
			_lib_why "exit status is $CHECK_STATUS, expected $_lib_ck_status"
		;;
	esac
	_lib_expect stdout "$_lib_ck_out" "$CHECK_OUT"
	_lib_expect stderr "$_lib_ck_err" "$CHECK_ERR"
	if [ -s "$_lib_dir/why" ]; then
		not_ok "$_lib_ck_desc" "command: $*"
		diag_file "$_lib_dir/why"
		return 1
	fi
	ok "$_lib_ck_desc"
}

assert()
{
	_lib_as_desc=$1
	shift
	"$@" </dev/null >"$CHECK_OUT" 2>"$CHECK_ERR"
	CHECK_STATUS=$?
	if [ "$CHECK_STATUS" -eq 0 ]; then
		ok "$_lib_as_desc"
		return 0
	fi
	not_ok "$_lib_as_desc" "command: $*" "exit status $CHECK_STATUS; its output:"
	diag_file "$CHECK_OUT"
	diag_file "$CHECK_ERR"
	return 1
}

# Every row of the tables a revert must restore, in id order, each value
# quoted with its type (.mode quote), from database $1 (default crm.db):
# two dumps are equal when the tables are byte-identical.
dump_tables()
{
	for _lib_t in customers source_records orders interactions; do
		echo "== $_lib_t"
		sqlite3 -cmd '.mode quote' "${1:-crm.db}" "SELECT * FROM $_lib_t ORDER BY id"
	done
}

finish()
{
	if [ -z "$_lib_planned" ]; then
		diag "no plan: call plan N before the first test"
		exit 1
	fi
	if [ "$_lib_count" -ne "$_lib_planned" ]; then
		diag "planned $_lib_planned tests but ran $_lib_count"
		exit 1
	fi
	if [ "$_lib_failed" -ne 0 ]; then
		diag "$_lib_failed of $_lib_count tests failed"
		exit 1
	fi
	exit 0
}
