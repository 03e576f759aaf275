#!/bin/sh
# Giant cells and lines (#12.8): a file with one quoted cell of millions of
# short lines over the record limit, one with such a cell never closed, one
# line of 40 MB, and one stray quote followed by good records. For each:
# peak RSS (goal: <= 64 MB for the giant ones), rejects (goal: one bad
# thing is one reject) and the rejects file's size against the input's
# (goal: a small multiple at most). The old code gave 8,912,897 rejects,
# an 854 MB rejects file and 187 MB peak RSS for the first.
#
# usage: bench/giant.sh [BUILD_DIR]     (default: build)
set -eu

build=${1:-build}
bench=bench/giant.sh
. "$(dirname "$0")/lib.sh"

header='顧客番号,氏名,備考'
rows() { awk -v a="$1" -v b="$2" 'BEGIN { for (i = a; i <= b; i++) printf "K%d,山田 %d,ok\n", i, i }'; }
{
	echo "$header"; rows 1 1000
	printf 'G1,巨大 セル,"'
	awk 'BEGIN { for (i = 0; i < 8900000; i++) print "x" }'
	echo '"'; rows 1001 2000
} > cell.csv
{
	echo "$header"; rows 1 1000
	printf 'G1,巨大 セル,"'
	awk 'BEGIN { for (i = 0; i < 8900000; i++) print "x" }'
} > open.csv
{
	echo "$header"; rows 1 1000
	printf 'G1,巨大 行,'; awk 'BEGIN { s = "yyyyyyyyyy"; for (i = 0; i < 22; i++) s = s s; print s }'
	rows 1001 2000
} > line.csv
{
	echo "$header"; echo 'S1,"山田,ok'; rows 1 400000
} > stray.csv

printf '%-8s %10s %12s %8s %10s %8s\n' input 'input MB' 'peak RSS MB' rejects 'rejects MB' ratio
for f in cell open line stray; do
	rm -f crm.db crm.db-wal crm.db-shm
	"$run" "$f" "$crm" --db crm.db -q import --source "$f" --rejects "$f.rej" "$f.csv" 2> "$f.t" >/dev/null || :
	in=$(wc -c < "$f.csv")
	out=$(wc -c < "$f.rej" 2>/dev/null || echo 0)
	n=$(($(wc -l < "$f.rej" 2>/dev/null || echo 1) - 1))
	printf '%-8s %10.1f %12.1f %8d %10.2f %8.4f\n' "$f" "$(ratio "$in" 1048576)" \
		"$(ratio "$(rss "$f.t")" 1024)" "$n" "$(ratio "$out" 1048576)" "$(ratio "$out" "$in")"
done
