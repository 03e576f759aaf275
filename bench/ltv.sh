#!/bin/sh
# The LTV benchmark of #18, in one run on this machine: `crm rfm --ltv`
# over CUSTOMERS generated customers with LINES order lines, against `crm
# rfm` alone on the same database (what the fit and the predictions add:
# the issue's "fit + scoring"), with peak RSS; then on UCI Online Retail
# (../shared/data, when present) the calibration/holdout check of the
# last 90 days, and of 90 days ending at earlier dates, predicted against
# actual purchase days in total.
#
# usage: bench/ltv.sh [BUILD_DIR] [LINES] [CUSTOMERS]   (defaults: build 10000000 1000000)
# Building the database takes minutes; DB=FILE keeps (and reuses) it.
set -eu

build=${1:-build}
lines=${2:-10000000}
customers=${3:-1000000}
bench=bench/ltv.sh
. "$(dirname "$0")/lib.sh"

db=${DB:-$work/ltv.db}
if [ ! -s "$db" ]; then
	echo "== $lines generated order lines of $customers customers"
	"$gen" --kind orders --rows "$lines" --customers "$customers" --seed 1 > orders.csv
	"$run" "crm import (not timed against anything)" "$crm" --db "$db" -q import --source gen \
		--rejects rejects.csv orders.csv 2> import.t || true
	sed 's/^/  /' import.t
	rm -f orders.csv
else
	echo "== the database $db"
	"$crm" --db "$db" -q init > /dev/null 2>&1 || true
fi
echo "  order lines: $(sqlite3 "$db" 'SELECT count(*) FROM orders'), customers: $(sqlite3 "$db" 'SELECT count(*) FROM customers')"

best "crm rfm" plain.csv "$crm" --db "$db" -q rfm --format csv
best "crm rfm --ltv" ltv.csv "$crm" --db "$db" -q rfm --ltv --format csv
sed 's/^/  /' plain.csv.t ltv.csv.t
fit=$(awk -v a="$(secs ltv.csv.t)" -v b="$(secs plain.csv.t)" 'BEGIN { printf "%.2f", a - b }')
echo "  $(($(wc -l < ltv.csv) - 1)) customers; crm rfm --ltv $(secs ltv.csv.t) s, of which the fit and the predictions $fit s (target <= 10 s); ratio --ltv / rfm alone: $(ratio "$(secs ltv.csv.t)" "$(secs plain.csv.t)")"
echo "  peak RSS $(rss ltv.csv.t) KB (target <= 204800 KB)"
[ "$(($(wc -l < ltv.csv) - 1))" -eq "$(($(wc -l < plain.csv) - 1))" ] ||
	{ echo "$bench: --ltv scored a different number of customers" >&2; exit 1; }

retail=$here/../shared/data/online_retail/online_retail.csv
if [ -r "$retail" ]; then
	echo "== UCI Online Retail ($retail): 90 days held out"
	"$crm" --db retail.db -q import --source retail --rejects retail-rejects.csv "$retail" 2> /dev/null || true
	for as_of in latest 2011-11-01 2011-10-01 2011-09-01 2011-06-01; do
		opt=
		[ "$as_of" = latest ] || opt="--as-of $as_of"
		# shellcheck disable=SC2086
		"$crm" --db retail.db rfm --ltv --holdout 90 $opt --format csv 2> holdout.txt > /dev/null ||
			{ cat holdout.txt >&2; exit 1; }
		line=$(sed -n 's/^crm rfm: holdout: predicted \(.*\)$/\1/p' holdout.txt)
		from=$(sed -n 's/^crm rfm: holdout: fitted on the purchases before \([0-9-]*\),.*/\1/p' holdout.txt)
		echo "  as of $as_of (held out from $from): predicted $line (target within 15%)"
	done
fi
