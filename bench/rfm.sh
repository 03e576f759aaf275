#!/bin/sh
# The rfm benchmark of #15, in one run on this machine: crm rfm over the
# order lines in a database against the single equivalent SQL query
# (bench/rfm.sql: the same definitions, the default scores) run by
# sqlite3 on the same database, with the ratio and crm's peak RSS, and
# the two outputs compared customer by customer. First on N generated
# order lines (bench-gen --kind orders), then on the real UCI Online
# Retail lines from ../shared/data when present.
#
# usage: bench/rfm.sh [BUILD_DIR] [LINES] [CUSTOMERS]   (defaults: build 10000000 1000000)
# The import of the generated lines takes minutes; DB=FILE keeps (and
# reuses) the database.
set -eu

build=${1:-build}
lines=${2:-10000000}
customers=${3:-1000000}
bench=bench/rfm.sh
. "$(dirname "$0")/lib.sh"
sql=$here/bench/rfm.sql

# crm's records to the reference's lines: monetary in ten-thousandths.
to_ref()
{
	awk -F, 'NR > 1 { m = $6; s = ""; if (m ~ /^-/) { s = "-"; m = substr(m, 2) }
		n = split(m, p, "."); f = n > 1 ? p[2] : ""; while (length(f) < 4) f = f "0"
		v = p[1] f; sub(/^0+/, "", v); if (v == "") { v = "0"; s = "" }
		print $1 "|" $3 "|" $4 "|" $5 "|" s v "|" $7 "|" $8 "|" $9 "|" $10 }' "$1"
}

# measure DB LABEL: crm rfm and the query on DB, best of two each, and the check.
measure()
{
	db=$1 label=$2
	for i in 1 2; do
		"$run" "crm rfm" "$crm" --db "$db" -q rfm --format csv > crm.csv 2> "crm.t$i" || true
		"$run" "sqlite3 bench/rfm.sql" sqlite3 "$db" ".read $sql" > ref.txt 2> "sql.t$i" || true
	done
	for t in crm sql; do
		if awk -v a="$(secs $t.t1)" -v b="$(secs $t.t2)" 'BEGIN { exit !(a < b) }'; then
			cp $t.t1 $t.t
		else
			cp $t.t2 $t.t
		fi
	done
	sed 's/^/  /' crm.t sql.t
	to_ref crm.csv > crm.txt
	if cmp -s crm.txt ref.txt; then
		echo "  $label: the same $(wc -l < ref.txt) customers' scores, to the digit"
	else
		echo "  $label: crm rfm and bench/rfm.sql DIFFER: $(diff crm.txt ref.txt | grep -c '^<') lines"
	fi
	echo "  ratio sqlite3 query / crm rfm: $(ratio "$(secs sql.t)" "$(secs crm.t)")   (target >= 3)"
	echo "  crm rfm: $(secs crm.t) s (target <= 4 s at 10,000,000 lines), peak RSS $(rss crm.t) KB (target <= 204800 KB)"
}

db=${DB:-$work/orders.db}
if [ ! -s "$db" ]; then
	echo "== $lines generated order lines of $customers customers"
	"$gen" --kind orders --rows "$lines" --customers "$customers" --seed 1 > orders.csv
	"$run" "crm import (not timed against anything)" "$crm" --db "$db" -q import --source gen \
		--rejects rejects.csv orders.csv 2> import.t || true
	sed 's/^/  /' import.t
	rm -f orders.csv
else
	echo "== the order lines of $db"
fi
echo "  order lines: $(sqlite3 "$db" 'SELECT count(*) FROM orders'), customers: $(sqlite3 "$db" 'SELECT count(*) FROM customers')"
measure "$db" generated

retail=$here/../shared/data/online_retail/online_retail.csv
if [ -r "$retail" ]; then
	echo "== UCI Online Retail ($retail)"
	"$crm" --db retail.db -q import --source retail --rejects retail-rejects.csv "$retail" 2> /dev/null || true
	"$crm" --db retail.db rfm --format csv 2>&1 > /dev/null | sed 's/^/  /'
	measure retail.db "Online Retail"
fi
