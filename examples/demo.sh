#!/bin/sh
# The README's demo: runs crm on the sample data in examples/, in a scratch
# directory, and shows what each step did. usage: examples/demo.sh [path/to/crm]
set -eu

crm=${1:-build/crm}
case $crm in /*) ;; *) crm=$(pwd)/$crm ;; esac
[ -x "$crm" ] || { echo "demo: no crm binary at $crm (build first)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crm-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export CRM_DB="$work/demo.db" CRM_USER=demo

step() { printf '\n$ %s\n' "$*"; "$@"; }

step "$crm" --version
step "$crm" --help
step "$crm" init
echo
echo "Import the sample exports: UTF-8 with Japanese headers, the same list as"
echo "CP932 from Excel, then its orders (customers found by 顧客番号):"
step "$crm" import --source shop --rejects "$work/rejects.csv" "$here/customers.csv"
step "$crm" import --source excel --rejects "$work/rejects.csv" "$here/customers-cp932.csv"
step "$crm" import --source shop --rejects "$work/rejects.csv" "$here/orders.csv"
echo
echo "The same file again changes nothing:"
step "$crm" import --source shop --rejects "$work/rejects.csv" "$here/customers.csv"
echo
echo "Typed values were stored in one form (dates from any era notation, flags),"
echo "and every customer's text in one notation (名寄せ starts here); the raw row"
echo "keeps what the source sent:"
step sqlite3 -header "$CRM_DB" \
	"SELECT s.source_key, c.name, c.birthdate, c.gender, c.consent_email FROM customers c JOIN source_records s ON s.customer_id = c.id WHERE s.source = 'shop' ORDER BY 1"
step sqlite3 -header "$CRM_DB" \
	"SELECT c.company, c.phone, c.postal_code, json_extract(s.raw, '\$[3]') AS company_as_sent, json_extract(s.raw, '\$[5]') AS phone_as_sent FROM customers c JOIN source_records s ON s.customer_id = c.id WHERE s.source = 'shop' ORDER BY s.source_key"
echo
echo "Orders keep exact money (ten-thousandths of a yen), returns marked:"
step sqlite3 -header "$CRM_DB" \
	"SELECT order_key, line, ordered_at, amount / 10000 AS yen, status FROM orders ORDER BY id"
echo
echo "Who buys, how recently, how often, for how much (RFM), and their segment;"
echo "the cancellation C-1003 counts against C0003's money but is no purchase:"
step "$crm" rfm --format table
gen=$(dirname "$crm")/bench/bench-gen
if [ -x "$gen" ]; then
	echo
	echo "What each customer is worth (LTV) needs a history: on five years of"
	echo "generated orders of 300 customers, BG/NBD and Gamma-Gamma fitted, and"
	echo "checked against the last 90 days:"
	"$gen" --kind orders --rows 4000 --customers 300 --seed 7 > "$work/history.csv"
	"$crm" --db "$work/history.db" -q init
	"$crm" --db "$work/history.db" -q import --source gen --rejects "$work/history-rejects.csv" \
		"$work/history.csv" || true   # a few generated lines are bad on purpose
	printf '\n$ crm rfm --ltv --holdout 90 --explain --format csv > ltv.csv\n'
	"$crm" --db "$work/history.db" rfm --ltv --holdout 90 --explain --format csv \
		2>&1 > "$work/ltv.csv" | grep -v '^  [RFM]='
	step head -4 "$work/ltv.csv"
fi
echo
echo "Segments: customers named by an expression over their fields, orders and"
echo "scores (values read as stored: 大阪 is 大阪府), evaluated now, never stored as SQL:"
step "$crm" segment count --where "prefecture = '大阪' and orders >= 1"
step "$crm" segment show --as-of 2026-06-01 --format table \
	--where "days_since_last_order >= 180 or consent_email = no"
step "$crm" segment create osaka "prefecture = '大阪府'" --description '関西キャンペーン'
step "$crm" segment list --format table
echo
echo "Lists out: customers without consent for what a marketing list carries are"
echo "left out, and every export is recorded (crm log customer shows who got whose data):"
step "$crm" export --segment osaka --columns 氏名,メールアドレス --header ja --format table
step "$crm" export --where "id <= 3" --columns name,email,phone --mask email,phone \
	--purpose analysis --format table
step "$crm" export --where "id <= 3" --columns id,name,birthdate -o "$work/list.xlsx" --purpose service
echo
echo "A mistake in an expression says where it is:"
"$crm" segment count --where "prefecture = '大阪府' and nmae contains '髙'" || true
echo
echo "Every run is in the log, every change with its old and new value:"
step "$crm" log --format table --no-pager
step "$crm" log customer shop:C0001 --format table --no-pager
echo
echo "Cleanse puts what is already stored in that notation: right after the"
echo "imports it has nothing to do. An old list imported as written, it has:"
step "$crm" cleanse --dry-run --format table
step "$crm" import --no-cleanse --source legacy --rejects "$work/rejects.csv" "$here/customers.csv"
step "$crm" cleanse --dry-run --format table
step "$crm" cleanse
echo
echo "Undo the last import of orders, then check the log's hash chain:"
step "$crm" log revert 4
step "$crm" log verify
echo
echo "demo: ok"
