#!/bin/sh
# Readers of other tools beside crm writers (#12.10): a plain sqlite3
# reader, with no busy timeout (as analysts run it), reads in a loop while
# crm imports small files one after another; counts the reads that failed
# with "database is locked"; then again with the busy timeout crm-schema(5)
# tells readers to set. With a second build (the baseline) it runs the
# first loop against it too, in the same run.
#
# usage: bench/readers.sh [BUILD_DIR [BASELINE_BUILD_DIR]] [WRITES]
#        (defaults: build, none, 150)
set -eu

build=${1:-build}
base=${2:-}
writes=${3:-150}
bench=bench/readers.sh
. "$(dirname "$0")/lib.sh"

# one BUILD_CRM LABEL [SQLITE3_OPTION...]: the loop, then "LABEL: N of M
# reads locked".
one()
{
	c=$1 label=$2
	shift 2
	rm -f r.db r.db-wal r.db-shm r.db-lock done
	"$c" --db r.db -q init >/dev/null
	(
		i=0
		while [ "$i" -lt "$writes" ]; do
			printf 'id,氏名\nW%d,山田 太郎\n' "$i" > w.csv
			"$c" --db r.db -q import --source w w.csv
			i=$((i + 1))
		done
		touch done
	) &
	reads=0 locked=0
	while [ ! -e done ]; do
		if ! sqlite3 "$@" -readonly r.db 'SELECT count(*) FROM runs' >/dev/null 2>err; then
			grep -q 'locked' err && locked=$((locked + 1))
		fi
		reads=$((reads + 1))
	done
	wait
	echo "$label: $locked of $reads reads locked ($writes crm imports)"
}

one "$crm" "crm, reader without a busy timeout"
one "$crm" "crm, reader with .timeout 2000 (crm-schema(5))" -cmd '.timeout 2000'
if [ -n "$base" ]; then
	case $base in /*) ;; *) base=$here/$base ;; esac
	one "$base/crm" "baseline, reader without a busy timeout"
fi
