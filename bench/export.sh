#!/bin/sh
# The export benchmark of #17, in one run on this machine: crm export of
# CUSTOMERS generated customers to CSV and to an Excel workbook (libxlsxwriter
# in constant memory), each against sqlite3 writing the same columns as CSV
# (the floor: reading the rows and writing text), with crm's peak RSS, which
# must stay flat as the rows grow (target: <= 64 MB at 1,000,000 rows).
#
# usage: bench/export.sh [BUILD_DIR] [CUSTOMERS]   (defaults: build 1000000)
# DB=FILE keeps (and reuses) the database of generated customers.
set -eu

build=${1:-build}
customers=${2:-1000000}
bench=bench/export.sh
. "$(dirname "$0")/lib.sh"

cols=id,name,name_kana,email,phone,postal_code,prefecture,city,address,birthdate
db=${DB:-$work/export.db}
if [ ! -s "$db" ]; then
	echo "== $customers generated customers"
	"$gen" --kind customers --rows "$customers" --seed 1 > customers.csv
	"$crm" --db "$db" -q import --source gen --rejects rejects.csv customers.csv || true
	rm -f customers.csv
else
	echo "== the customers of $db"
	"$crm" --db "$db" -q init > /dev/null 2>&1 || true
fi
echo "  customers: $(sqlite3 "$db" 'SELECT count(*) FROM customers')"

"$run" "sqlite3 -csv (the same columns)" sqlite3 -csv "$db" \
	"SELECT $cols FROM customers WHERE merged_into IS NULL ORDER BY id" > sql.csv 2> sql.t || true
"$run" "crm export --format csv" "$crm" --db "$db" -q export --purpose analysis \
	--columns "$cols" -o out.csv 2> csv.t || true
"$run" "crm export --format xlsx" "$crm" --db "$db" -q export --purpose analysis \
	--columns "$cols" -o out.xlsx 2> xlsx.t || true
sed 's/^/  /' sql.t csv.t xlsx.t
echo "  rows: sqlite3 $(wc -l < sql.csv), crm csv $(($(wc -l < out.csv) - 1)); workbook $(wc -c < out.xlsx) bytes"
echo "  ratio crm csv / sqlite3: $(ratio "$(secs csv.t)" "$(secs sql.t)"); xlsx / sqlite3: $(ratio "$(secs xlsx.t)" "$(secs sql.t)")"
echo "  peak RSS: csv $(rss csv.t) KB, xlsx $(rss xlsx.t) KB (target <= 65536 KB)"
