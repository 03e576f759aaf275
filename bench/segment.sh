#!/bin/sh
# The segment benchmark of #16, in one run on this machine: on CUSTOMERS
# generated customers with LINES generated order lines and saved RFM
# scores, `crm segment count` of the issue's typical expression
# (prefecture in (...) and days since the last order > 365 and monetary >
# X) against the same condition as one plain SQL query run by sqlite3 on
# the same database (the two counts must agree), then `crm segment show
# --ids` of the built-in dormant, which must stream: its peak RSS.
#
# usage: bench/segment.sh [BUILD_DIR] [LINES] [CUSTOMERS]   (defaults: build 10000000 1000000)
# Building the database takes minutes; DB=FILE keeps (and reuses) it.
set -eu

build=${1:-build}
lines=${2:-10000000}
customers=${3:-1000000}
bench=bench/segment.sh
. "$(dirname "$0")/lib.sh"

as_of=2026-12-01
expr="prefecture in ('東京都', '大阪府', '愛知県') and days_since_last_order > 365 and monetary > 50000"
# The same, as an analyst would write it in SQL: the last order line not
# cancelled or returned per customer, and the latest saved scores.
sql="SELECT count(*) FROM customers c
 JOIN (SELECT customer_id, max(ordered_at) AS last FROM orders
       WHERE status = 'ok' AND ordered_at < date('$as_of', '+1 day') GROUP BY customer_id) o
   ON o.customer_id = c.id
 JOIN rfm_scores s ON s.customer_id = c.id AND s.run_id = (SELECT max(run_id) FROM rfm_scores)
 WHERE c.merged_into IS NULL AND c.prefecture IN ('東京都', '大阪府', '愛知県')
   AND julianday('$as_of') - julianday(substr(o.last, 1, 10)) > 365
   AND s.monetary > 50000 * 10000"

db=${DB:-$work/segment.db}
if [ ! -s "$db" ]; then
	echo "== $customers generated customers, $lines generated order lines"
	"$gen" --kind customers --rows "$customers" --seed 1 > customers.csv
	"$gen" --kind orders --rows "$lines" --customers "$customers" --seed 1 > orders.csv
	"$run" "crm import customers (not timed against anything)" "$crm" --db "$db" -q import \
		--source gen --rejects rejects.csv customers.csv 2> import.t || true
	"$run" "crm import orders (not timed against anything)" "$crm" --db "$db" -q import \
		--source gen --rejects rejects.csv orders.csv 2>> import.t || true
	sed 's/^/  /' import.t
	rm -f customers.csv orders.csv
	"$crm" --db "$db" -q rfm --save --format csv > /dev/null
else
	echo "== the database $db"
	"$crm" --db "$db" -q init > /dev/null 2>&1 || true
	if [ "$(sqlite3 "$db" 'SELECT count(*) FROM rfm_snapshots')" -eq 0 ]; then
		"$crm" --db "$db" -q rfm --save --format csv > /dev/null
	fi
fi
echo "  customers: $(sqlite3 "$db" 'SELECT count(*) FROM customers'), order lines: $(sqlite3 "$db" 'SELECT count(*) FROM orders')"

echo "== segment count --where \"$expr\" --as-of $as_of"
best "crm segment count" crm.out "$crm" --db "$db" segment count --as-of "$as_of" --where "$expr"
best "sqlite3 (the same condition in plain SQL)" sql.out sqlite3 "$db" "$sql"
sed 's/^/  /' crm.out.t sql.out.t
if [ "$(cat crm.out)" = "$(cat sql.out)" ]; then
	echo "  both count $(cat crm.out) customers"
else
	echo "  the counts DIFFER: crm $(cat crm.out), sqlite3 $(cat sql.out)"
	differ=1
fi
echo "  crm segment count: $(secs crm.out.t) s (target <= 1 s); ratio sqlite3 query / crm: $(ratio "$(secs sql.out.t)" "$(secs crm.out.t)")"

echo "== segment show dormant --ids --as-of $as_of (streams: memory flat)"
best "crm segment show --ids" ids.out "$crm" --db "$db" -q segment show dormant --ids --as-of "$as_of"
best "crm segment show --format csv" csv.out "$crm" --db "$db" -q segment show dormant --format csv \
	--as-of "$as_of"
sed 's/^/  /' ids.out.t csv.out.t
echo "  $(wc -l < ids.out) ids, $(($(wc -l < csv.out) - 1)) records; peak RSS --ids $(rss ids.out.t) KB, --format csv $(rss csv.out.t) KB (target <= 65536 KB)"
[ -z "${differ-}" ] || { echo "$bench: crm and the plain SQL disagree" >&2; exit 1; }
