#!/bin/sh
# Runs one fuzz target under libFuzzer for a while, growing a working corpus
# (seeded from tests/fuzz/corpus/TARGET) outside the tree, and prints the
# figures a closing note quotes: executions, coverage, crashes.
#
#	tests/fuzz/run.sh BUILD TARGET SECONDS [WORKDIR]
#
# BUILD is a build directory set up with -Dfuzz=true (see README.md);
# WORKDIR defaults to $TMPDIR/crm-fuzz. A crash, leak or broken oracle
# leaves its input in WORKDIR/TARGET-artifacts/ and exits non-zero.
# FUZZ_TIMEOUT (default 10) is the seconds an input may take: libFuzzer
# counts wall time, so a fuzzer stopped (SIGSTOP) for a benchmark wants
# more.
# FUZZ_CLOCK=cpu counts SECONDS in CPU time of the fuzzer instead of wall
# time (the acceptance is in CPU-minutes; on a machine busy with other
# work a wall-clock run falls short): it is stopped (SIGINT, its final
# figures printed) once it has used that much.
set -eu
[ $# -ge 3 ] || { echo "usage: $0 BUILD TARGET SECONDS [WORKDIR]" >&2; exit 2; }
build=$1 target=$2 secs=$3
work=${4:-${TMPDIR:-/tmp}/crm-fuzz}
here=$(cd "$(dirname "$0")" && pwd)
prog=$build/tests/fuzz/fuzz-$target
[ -x "$prog" ] || { echo "$0: no $prog (meson setup with -Dfuzz=true)" >&2; exit 2; }
mkdir -p "$work/$target-corpus" "$work/$target-artifacts"
cp -n "$here/corpus/$target"/* "$work/$target-corpus/" 2>/dev/null || :
log=$work/$target.log
start=$(date +%s)
case ${FUZZ_CLOCK:-wall} in
wall) limit=$secs ;;
cpu) limit=0 ;;
*) echo "$0: FUZZ_CLOCK is wall or cpu" >&2; exit 2 ;;
esac
set +e
"$prog" -max_total_time="$limit" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/$target-artifacts/" "$work/$target-corpus" >"$log" 2>&1 &
pid=$!
rm -f "$work/$target.stopped"
if [ "$limit" = 0 ]; then
	# Fields 14 and 15 of /proc/PID/stat: user and system time, in ticks.
	tick=$(getconf CLK_TCK)
	(while used=$(awk -v t="$tick" '{ printf "%d", ($14 + $15) / t }' "/proc/$pid/stat" 2>/dev/null); do
		if [ "$used" -ge "$secs" ]; then
			: > "$work/$target.stopped"
			kill -INT "$pid"
			break
		fi
		sleep 5
	done) &
fi
wait "$pid"
rc=$?
wait
# Stopped when its CPU time was up: libFuzzer says "interrupted" (72).
[ "$rc" -eq 72 ] && [ -e "$work/$target.stopped" ] && rc=0
set -e
took=$(($(date +%s) - start))
# CPU time of the fuzzer itself (user + system), from the shell's "times"
# (not in a pipe: a subshell has no children): the acceptance is counted
# in CPU-minutes, which a busy machine stretches.
times >"$work/$target.times"
cpu=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, "m"); s += t[1] * 60 + t[2] } printf "%d", s }' "$work/$target.times")
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1)
files=$(ls "$work/$target-corpus" | wc -l)
# Crashes, leaks, timeouts and out-of-memory: a "slow-unit" is only slow.
crashes=$(ls "$work/$target-artifacts" | grep -cv '^slow-unit-' || :)
echo "fuzz-$target: ${took}s wall, ${cpu}s CPU, ${execs:-?} executions, ${cov:-cov: ?}, ${ft:-ft: ?}, corpus $files, crashes $crashes, exit $rc"
[ "$rc" -eq 0 ] || { tail -40 "$log" >&2; exit 1; }
