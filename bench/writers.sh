#!/bin/sh
# Writers waiting for writers (#12.11): crm cleanse runs again and again
# over N customers while two importers each import a one-row file again and
# again, for S seconds; each import's wall time is almost all its wait for
# the write lock. Prints p50, p99 and max of those times, for this build
# and, given, a baseline build, in the same run. Goal: no writer waits more
# than about 1 s behind another (the old build: 7.85 s seen).
#
# usage: bench/writers.sh [BUILD_DIR [BASELINE_BUILD_DIR]] [ROWS] [SECONDS]
#        (defaults: build, none, 200000, 20)
set -eu

build=${1:-build}
base=${2:-}
rows=${3:-200000}
secs=${4:-20}
bench=bench/writers.sh
. "$(dirname "$0")/lib.sh"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

"$gen" --rows "$rows" --seed 5 --drift-rate 0.5 > customers.csv

# one CRM LABEL: the load, then "LABEL: p50 ..., p99 ..., max ... (n imports)".
one()
{
	c=$1 label=$2
	rm -f w.db w.db-wal w.db-shm w.db-lock stop waits.*
	"$c" --db w.db -q import --source big --rejects r.csv customers.csv 2>/dev/null || :
	(
		while [ ! -e stop ]; do
			"$c" --db w.db -q cleanse >/dev/null 2>&1 || :
			# Changed nothing the second time: give it something to do again.
			sqlite3 w.db "UPDATE customers SET phone = replace(phone, '-', '') WHERE id % 3 = 0" 2>/dev/null || :
		done
	) &
	cleanser=$!
	for w in 1 2; do
		(
			i=0
			while [ ! -e stop ]; do
				printf 'id,氏名\nI%d_%d,山田 太郎\n' "$w" "$i" > "in$w.csv"
				t=$(now_ms)
				"$c" --db w.db -q import --source "imp$w" --rejects "r$w.csv" "in$w.csv" 2>/dev/null || :
				echo $(($(now_ms) - t)) >> "waits.$w"
				i=$((i + 1))
			done
		) &
	done
	sleep "$secs"
	touch stop
	wait
	sort -n waits.1 waits.2 | awk -v label="$label" '{ v[NR] = $1 } END {
		p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1]
		printf "%s: import wall time p50 %d ms, p99 %d ms, max %d ms (%d imports)\n",
			label, p50, p99, v[NR], NR }'
}

echo "== cleanse of $rows customers in a loop, two importers, ${secs} s"
one "$crm" "crm"
if [ -n "$base" ]; then
	case $base in /*) ;; *) base=$here/$base ;; esac
	one "$base/crm" "baseline"
fi
