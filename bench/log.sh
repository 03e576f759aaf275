#!/bin/sh
# The crm log benchmark of the log issue, in one run on this machine:
# `crm log customer` on a customer with more than 10,000 changes, in a
# database of N generated customers (target <= 100 ms), and the revert of
# the run that made them, next to the import that made them.
#
# The changes are made the real way: the customer has LINES order lines
# (default 3,334), imported, then imported again with every quantity
# changed: each line is then 3 changes (quantity, the amount derived from
# it, the kept raw row), 10,002 in all, and one insert range.
#
# usage: bench/log.sh [BUILD_DIR] [CUSTOMERS] [LINES]   (defaults: build 100000 3334)
set -eu

build=${1:-build}
customers=${2:-100000}
lines=${3:-3334}
bench=bench/log.sh
. "$(dirname "$0")/lib.sh"

ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }

echo "== $customers generated customers; customer C0000042 with $lines order lines"
"$gen" --rows "$customers" --seed 1 > customers.csv
"$crm" --db crm.db -q import --source bench --rejects r0.csv customers.csv || true
orders() {
	awk -v q="$1" -v n="$lines" 'BEGIN {
		print "注文番号,顧客番号,注文日,商品名,単価,数量"
		for (i = 1; i <= n; i++)
			printf "O%05d,C0000042,2025/%d/%d,商品%d,1200,%d\n", i, i % 12 + 1, i % 28 + 1, i, q
		for (i = 1; i <= 20000; i++)
			printf "P%05d,C%07d,2025/7/1,商品,980,1\n", i, i % 1000 + 100
	}'
}
orders 1 > orders.csv
orders 2 > orders2.csv
"$run" "crm import orders" "$crm" --db crm.db -q import --source bench --rejects r1.csv orders.csv 2> i1.t || true
"$run" "crm import changed orders" "$crm" --db crm.db -q import --source bench --rejects r2.csv orders2.csv 2> i2.t || true
id=$(sqlite3 crm.db "SELECT customer_id FROM source_records WHERE source = 'bench' AND source_key = 'C0000042'")
echo "  changes in the log: $(sqlite3 crm.db 'SELECT count(*) FROM changes'), of customer C0000042's rows:" \
	"$(sqlite3 crm.db "SELECT count(*) FROM changes c JOIN orders o ON c.tbl = 'orders' AND c.row_id = o.id
		JOIN source_records s ON s.customer_id = o.customer_id AND s.source_key = 'C0000042'
		WHERE c.op <> 'insert'")"
# The history is printed once to count it, then timed three times.
n=$("$crm" --db crm.db log customer "$id" --format csv | tail -n +2 | wc -l)
echo "  history rows of customer $id: $n"
for i in 1 2 3; do
	"$run" "crm log customer" "$crm" --db crm.db log customer "$id" --format csv > /dev/null 2>> c.t
done
"$run" "crm log customer bench:C0000042" "$crm" --db crm.db log customer bench:C0000042 --format csv > /dev/null 2>> k.t
"$run" "crm log verify" "$crm" --db crm.db -q log verify 2> v.t || true
last=$(sqlite3 crm.db 'SELECT max(id) FROM runs')
"$run" "crm log revert (the changed orders)" "$crm" --db crm.db -q log revert "$last" 2> r.t || true
cat i1.t i2.t c.t k.t v.t r.t | sed 's/^/  /'
best=$(for f in c.t; do secs "$f"; done | sort -n | head -1)
echo "  crm log customer, best of 3: $(ms "$best") ms   (target <= 100 ms)"
echo "  ratio revert / the import it undoes: $(ratio "$(secs r.t)" "$(secs i2.t)")"
