#!/bin/sh
# crm import: Japanese headers without --map, typed values at the door,
# rejects with line and reason, re-import idempotence, one-field updates,
# CP932, orders and interactions, --strict, --lenient, --dry-run.
. "$SRCDIR/tests/cli/lib.sh"

plan 155

data=$SRCDIR/tests/data/import
cp "$data"/*.csv .
q() { sqlite3 crm.db "$@"; }

check 'a file with bad rows imports the good ones, exit 3' 3 empty \
	'match:^customers.csv: 8 rows: 5 new, 0 updated, 0 unchanged, 3 rejected \(customers.rejects.csv\)$' \
	"$CRM" import --source shop customers.csv
check 'the mapping of the Japanese headers is printed' any empty \
	'match:顧客番号=source_key 氏名=name フリガナ=name_kana .* 備考=extra$' \
	"$CRM" import --dry-run --source shop customers.csv
check 'the kind guess is said' any empty 'match:customers.csv: customers \(guessed from the headers' \
	"$CRM" import --dry-run --source shop customers.csv
printf '%s\r\n' \
	'﻿file,line,column,value,reason,record' \
	'customers.csv,7,,,no name: a customer needs a full name (氏名) or at least a family name (姓); --lenient takes less,"C005,,,,nobody@example.com,,,,,,,,"' \
	"customers.csv,8,メールアドレス,jiro@@example.com,column メールアドレス: 'jiro@@example.com' is not an email address: it has 2 '@'; column 電話番号: '03-1234-567a' has a letter: a; column 生年月日: '2023/02/30' is not a date that exists,\"C006,鈴木 次郎,,,jiro@@example.com,03-1234-567a,,,,2023/02/30,男,可,\"" \
	'customers.csv,11,,,ragged row: 2 fields where 13 were expected,"C008,中村 健"' > want-rejects
assert 'the rejects file gives line, column, value, reason and the record' cmp want-rejects customers.rejects.csv
assert '... and is as private as the database (0600)' test "$(stat -c %a customers.rejects.csv)" = 600

check 'dates are stored ISO 8601, eras converted' 0 \
	'inline:C001|1985-04-03
C002|1990-01-02
C003|1990-01-02
C004|1979-06-30
C007|2020-05-01' empty \
	q "SELECT s.source_key, c.birthdate FROM customers c JOIN source_records s ON s.customer_id = c.id ORDER BY 1"
check 'flags and gender take their canonical form' 0 \
	'inline:1|male
0|female
1|male
1|male
|female' empty q "SELECT consent_email, gender FROM customers ORDER BY id"
check 'email, phone and postal code are validated and stored in one notation' 0 \
	'inline:hanako@example.jp|090-1234-5678|530-0001' empty \
	q "SELECT email, phone, postal_code FROM customers WHERE id = 2"
check '... the raw row keeps them as the file wrote them' 0 \
	'match:"ｈａｎａｋｏ＠example.jp","０９０－１２３４－５６７８","〒530-0001"' empty \
	q "SELECT raw FROM source_records WHERE customer_id = 2"
check 'a foreign record keeps its postal code as given' 0 'inline:SW1A 1AA|UK' empty \
	q "SELECT postal_code, country FROM customers WHERE name = 'Smith John'"
check 'columns that map to no field go to extra, multi-line values intact' 0 \
	'inline:{"備考":"二行の\nメモ～"}' empty q "SELECT extra FROM customers WHERE id = 3"
check 'the original row is kept as read' 0 'inline:ｻﾄｳ ﾊﾅｺ|㈱テスト①' empty \
	q "SELECT json_extract(raw, '\$.フリガナ'), json_extract(raw, '\$.会社名') FROM source_records_raw WHERE source_key = 'C002'"
check 'the import is one run with its counts' 0 \
	'inline:import|rejected|{"files":1,"read":8,"new":5,"updated":0,"unchanged":0,"rejected":3,"fields_emptied":0,"warned":0,"blank":0,"new_customers":0,"changes":10,"normalized":15,"violations":0}' \
	empty q "SELECT command, status, counts FROM runs"
check 'inserts are logged as ranges of rows' 0 'inline:customers|insert|1|5
source_records|insert|1|5' empty q "SELECT tbl, op, row_id, new_value FROM changes ORDER BY id"

# The same file again: nothing changes, and the log says nothing either.
before=$(q "SELECT count(*) FROM changes")
check 'importing the same file twice changes nothing the second time' 3 empty \
	'match:^customers.csv: 8 rows: 0 new, 0 updated, 5 unchanged, 3 rejected \(customers.rejects.csv\); nothing changed$' \
	"$CRM" import --source shop customers.csv
check '... and adds no changes rows' 0 "inline:$before" empty q "SELECT count(*) FROM changes"

# One field of one row changed at the source: one update, old and new logged.
sed 's/taro@example.co.jp/taro.yamada@example.co.jp/' customers.csv > edited.csv
check 'one changed field is one update' 3 empty \
	'match:^edited.csv: 8 rows: 0 new, 1 updated, 4 unchanged, 3 rejected' \
	"$CRM" import --source shop edited.csv
check '... logged as one customers change with old and new value' 0 \
	'inline:customers|1|update|email|taro@example.co.jp|taro.yamada@example.co.jp' empty \
	q "SELECT tbl, row_id, op, field, old_value, new_value FROM changes WHERE run_id = 3 AND tbl = 'customers' AND field <> 'updated_at'"
check '... and updated_at logged from the last run'"'"'s start to this one'"'"'s' 0 'inline:1|1' empty \
	q "SELECT c.old_value = r1.started_at, c.new_value = r3.started_at FROM changes c, runs r1, runs r3 WHERE c.run_id = 3 AND c.field = 'updated_at' AND r1.id = 1 AND r3.id = 3"
check '... and the source row kept as read is replaced, logged too' 0 \
	'inline:source_records|raw|taro@example.co.jp|taro.yamada@example.co.jp' empty \
	q "SELECT c.tbl, c.field, json_extract(c.old_value, '\$[' || h.key || ']'), json_extract(c.new_value, '\$[' || h.key || ']') FROM changes c, source_records s, raw_headers r, json_each(r.names) h WHERE c.run_id = 3 AND c.tbl <> 'customers' AND s.id = c.row_id AND r.id = s.raw_headers AND h.value = 'メールアドレス'"
check '... and updated_at is the run'"'"'s start' 0 'inline:1' empty \
	q "SELECT c.updated_at = r.started_at FROM customers c, runs r WHERE c.id = 1 AND r.id = 3"

# CP932 with CRLF, as Excel on Japanese Windows writes it.
check 'a CP932 export imports without options' 3 empty \
	'match:^customers-cp932.csv: 8 rows: 5 new, 0 updated, 0 unchanged, 3 rejected' \
	"$CRM" import --source excel customers-cp932.csv
check '... to the same values as the UTF-8 one' 0 'inline:0' empty \
	q "SELECT count(*) FROM (SELECT name, company, extra, birthdate FROM customers c JOIN source_records s ON s.customer_id = c.id WHERE s.source = 'excel' EXCEPT SELECT name, company, extra, birthdate FROM customers c JOIN source_records s ON s.customer_id = c.id WHERE s.source = 'shop')"
check '... with ㈱ ① ～ 髙 decoded as CP932 has them (㈱ normalized)' 0 'inline:株式会社テスト①|髙橋 一郎' empty \
	q "SELECT (SELECT company FROM customers c JOIN source_records s ON s.customer_id = c.id WHERE s.source = 'excel' AND source_key = 'C002'), (SELECT name FROM customers c JOIN source_records s ON s.customer_id = c.id WHERE s.source = 'excel' AND source_key = 'C003')"
check 'forcing the wrong encoding fails on the header, naming the byte' 1 empty \
	'inline:crm import: customers-cp932.csv:1: column 1: bad header: invalid UTF-8 byte 0x8C at character 1' \
	"$CRM" import --source forced --encoding utf-8 customers-cp932.csv
check '... and stores nothing' 0 'inline:0' empty q "SELECT count(*) FROM source_records WHERE source = 'forced'"

# Orders: lines, exact money, returns and cancellations, customers by key.
check 'orders find their customers through the same source' 3 empty \
	"match:^orders.csv: 8 rows: 6 new, 0 updated, 0 unchanged, 2 rejected \\(orders.rejects.csv\\), 1 new customer for customer keys unknown in source 'shop'$" \
	"$CRM" import --source shop orders.csv
check '... with lines, exact amounts and statuses' 0 'inline:A-1001|1|2025-07-23|12000000|2|24000000|ok|C001
A-1001|2|2025-07-23T10:30:00|9800000|1|9800000|ok|C001
A-1002|1|2025-08-01|15000000|1|15000000|ok|C002
C1003|1|2025-09-12|28000000|-1|-28000000|cancelled|C003
A-1004|1|2025-09-20|28000000|-1|-28000000|returned|C003
A-1005|1|2025-10-05|50000000|1|50000000|ok|C999' empty \
	q "SELECT o.order_key, o.line, o.ordered_at, o.unit_price, o.quantity, o.amount, o.status, s.source_key FROM orders o JOIN source_records s ON s.customer_id = o.customer_id AND s.source = 'shop' ORDER BY o.id"
assert '... and lines without a customer or with a bad date are rejected' \
	grep -q "^orders.csv,9,注文日,2025/02/30,column 注文日: '2025/02/30' is not a date that exists" orders.rejects.csv
check 'orders imported again change nothing' 3 empty 'match:0 new, 0 updated, 6 unchanged, 2 rejected' \
	"$CRM" import --source shop orders.csv
check 'the same orders as CP932 with CRLF import alike' 3 empty \
	'match:^orders-cp932.csv: 8 rows: 6 new, 0 updated, 0 unchanged, 2 rejected' \
	"$CRM" import --source shopcp --customer-source shop orders-cp932.csv
check '... to the same lines, amounts and statuses' 0 'inline:0' empty \
	q "SELECT count(*) FROM (SELECT order_key, line, ordered_at, product, unit_price, quantity, amount, status, customer_id FROM orders WHERE source = 'shopcp' EXCEPT SELECT order_key, line, ordered_at, product, unit_price, quantity, amount, status, customer_id FROM orders WHERE source = 'shop')"

check 'interactions import with their customers' 0 empty \
	'match:^interactions.csv: 2 rows: 2 new, 0 updated, 0 unchanged, 0 rejected$' \
	"$CRM" import --source shop interactions.csv
check '... keeping a multi-line body' 0 'inline:2025-07-01T09:00:00|届きません,
至急確認を|C001' empty \
	q "SELECT i.at, i.body, s.source_key FROM interactions i JOIN source_records s ON s.customer_id = i.customer_id AND s.source = 'shop' WHERE i.source_key = 'Q1'"

check 'English export headers map without --map' 0 empty \
	'match:rec_id=source_key given_name=given_name surname=family_name street_number=address address_1=address address_2=address suburb=city postcode=postal_code state=prefecture date_of_birth=birthdate soc_sec_id=extra$' \
	"$CRM" import --source febrl febrl.csv
check '... address columns joined, a foreign state keeps its postcode' 0 \
	'inline:michaela|neumann|8 stanley street miami|winston hills|4223|nsw|1915-11-11|{"soc_sec_id":"5304218"}' \
	empty q "SELECT given_name, family_name, address, city, postal_code, prefecture, birthdate, extra FROM customers c JOIN source_records s ON s.customer_id = c.id WHERE s.source_key = 'rec-1-org'"

# --strict, --lenient, --dry-run
n=$(q "SELECT count(*) FROM customers")
check '--strict: any reject aborts the file' 3 empty \
	'match:3 rejected .*; --strict: nothing of this file was stored$' \
	"$CRM" import --strict --source strict customers.csv
check '... and nothing of it was stored' 0 "inline:$n" empty q "SELECT count(*) FROM customers"
check '--lenient stores rows with bad fields left empty' 3 empty \
	'match:^customers.csv: 8 rows: 7 new, 0 updated, 0 unchanged, 1 rejected \(customers.rejects.csv\), 3 fields left empty$' \
	"$CRM" import --lenient --source lenient customers.csv
check '... the bad fields empty, the rest stored' 0 'inline:鈴木 次郎|||1' empty \
	q "SELECT name, email, birthdate, consent_email FROM customers c JOIN source_records s ON s.customer_id = c.id WHERE s.source = 'lenient' AND s.source_key = 'C006'"
assert '... and each field error listed' grep -q "stored with this field empty: '2023/02/30' is not a date that exists" customers.rejects.csv
runs=$(q "SELECT count(*) FROM runs")
check '--dry-run reports all' 3 ignore 'match:^dry run: customers.csv: 8 rows: 5 new' \
	"$CRM" import --dry-run --source dry customers.csv
check '... and commits nothing, not even its run' 0 "inline:$runs|0" empty \
	q "SELECT count(*), (SELECT count(*) FROM source_records WHERE source = 'dry') FROM runs"

# Options and bad input.
check '--map COLUMN=- ignores a column, COLUMN=FIELD maps one' 3 empty \
	'match:会社名=title .*備考=-$' "$CRM" import --no-cleanse --dry-run --source m --map 備考=- --map 会社名=title customers.csv
check '--map to a field that does not exist is a usage error' 2 empty \
	"match:--map '会社名=nosuch': customers has no field 'nosuch'" \
	"$CRM" import --source m --map 会社名=nosuch customers.csv
check '--map names a column that is not there' 2 empty "match:--map 'nosuch=name': the file has no column 'nosuch'" \
	"$CRM" import --source m --map nosuch=name customers.csv
check '--key names a column that is not there' 2 empty "match:--key 'nosuch': the file has no such column" \
	"$CRM" import --source m --key nosuch customers.csv
mkdir sub && cp febrl.csv sub/partner-list.csv
check 'without --source the source is the file name without its extension' 0 'inline:partner-list|2' empty \
	sh -c '"$1" -q import sub/partner-list.csv && sqlite3 crm.db "SELECT source, count(*) FROM source_records WHERE source = '"'partner-list'"' GROUP BY 1"' sh "$CRM"
printf 'memberno,name,email\nM-1,山田,a@example.jp\nM-2,佐藤,b@example.jp\n' > members.csv
check '--key names the key column the catalogue does not know' 0 empty 'match:^  memberno -> source_key \(given\)$' \
	"$CRM" -v import --source members --key memberno members.csv
check '... and the records are known by it' 0 'inline:M-1
M-2' empty q "SELECT source_key FROM source_records WHERE source = 'members' ORDER BY 1"
printf 'name,city\n山田,東京\n佐藤,大阪\n' > nokey.csv
check 'without a key column the row is its own key' 0 empty 'match:2 new.*no key column|no key column' \
	"$CRM" import --source nokey nokey.csv
check '... so importing it again changes nothing' 0 empty 'match:0 new, 0 updated, 2 unchanged' \
	"$CRM" import --source nokey nokey.csv
check -i nokey.csv 'standard input works with --source' 0 empty 'match:^-: 2 rows: 2 new' \
	"$CRM" import --source piped -
check 'one --rejects file collects the rejects of every input' 3 empty ignore \
	"$CRM" import --source multi --rejects all.csv customers.csv orders.csv
check '... all five of them' 0 'inline:customers.csv:7
customers.csv:8
customers.csv:11
orders.csv:8
orders.csv:9' empty sh -c "sed 1d all.csv | grep -o '^[a-z.]*,[0-9]*' | tr , :"
check '-v says each reject with its reason' 3 empty \
	"match:^crm import: customers.csv:11: ragged row: 2 fields where 13 were expected$" \
	"$CRM" -v import --no-cleanse --dry-run --source verbose customers.csv
mkdir ro && cp customers.csv ro/ && chmod 555 ro
check 'an input in a read-only directory gets its rejects file here' 3 empty \
	'match:^ro/customers.csv: 8 rows: .*3 rejected \(customers.rejects.csv\)$' \
	"$CRM" import --source ro ro/customers.csv
chmod 755 ro
printf 'name,birthdate\n山田,2023/02/30\n' > lenient.csv
check '--lenient with only emptied fields still asks a human to look (exit 3)' 3 empty \
	'match:1 row: 1 new, 0 updated, 0 unchanged, 0 rejected \(lenient.rejects.csv\), 1 fields left empty' \
	"$CRM" import --lenient --source lenient2 lenient.csv

mkdir fresh
check 'a missing input fails with its name' 1 empty "inline:crm import: cannot open 'nosuch.csv': No such file or directory" \
	"$CRM" --db fresh/crm.db import nosuch.csv
assert '... before any database is made' test ! -e fresh/crm.db
check '... also after a good file: every file is checked before any is read' 1 empty \
	"inline:crm import: cannot open 'nosuch.csv': No such file or directory" \
	"$CRM" --db fresh/crm.db import customers.csv nosuch.csv
assert '... so nothing was imported, no database made' test ! -e fresh/crm.db
printf '\377\376n\000a\000m\000e\000\r\000\n\000' > unicode.txt
check 'Excel "Unicode text" (UTF-16) is named, with what to do' 1 empty \
	'inline:crm import: unicode.txt:1: the file is UTF-16 (Excel'"'"'s "Unicode text"): save it as "CSV UTF-8" or "CSV" and import that' \
	"$CRM" import --source u unicode.txt
check '-v says which encoding the file was read as' 3 empty 'match:^crm import: customers-cp932.csv: read as cp932$' \
	"$CRM" -v import --no-cleanse --dry-run --source enc customers-cp932.csv

# What review found; each once wrong.
printf '顧客番号,氏名,メールアドレス,備考\nK1,山田 太郎,a@example.jp,first\nK1,山田 次郎,b@example.jp,second\nK2,佐藤 花子,c@example.jp,\n' > dup.csv
check 'a key twice in one file: the second is rejected, naming the first' 3 empty \
	'match:^dup.csv: 3 rows: 2 new, 0 updated, 0 unchanged, 1 rejected' \
	"$CRM" import --source dup dup.csv
assert '... with the reason and the line of the first, also on a new source' \
	grep -q "the key 'K1' came before, at line 2: a record may appear once in a file" dup.rejects.csv
printf '顧客番号,氏名,備考\nD1,山田 太郎,"two\nlines"\n\nD2,佐藤 花子,\nD2,佐藤 次郎,\nD1,山田 次郎,\n' > dup2.csv
"$CRM" -q --db dup2.db import --source dup2 dup2.csv 2>/dev/null
check '... lines counted past multi-line records and blank rows' 0 'inline:6:D2:5
7:D1:2' empty sh -c "tr -d '\\r' < dup2.rejects.csv | sed -n 's/^dup2.csv,\\([0-9]*\\),[^,]*,\\([^,]*\\),.*came before, at line \\([0-9]*\\):.*/\\1:\\2:\\3/p'"
check '... and importing it again changes nothing' 3 empty \
	'match:0 new, 0 updated, 2 unchanged, 1 rejected .*nothing changed$' \
	"$CRM" import --source dup dup.csv
assert '... naming the line of the first' grep -q "came before, at line 2" dup.rejects.csv
printf '顧客番号,氏名,メールアドレス\nK2,佐藤 花子,bad@@x\nK3,田中,c@example.jp\n' > s2.csv
printf '顧客番号,氏名,メールアドレス\nK4,鈴木,d@example.jp\n' > s4.csv
"$CRM" -q import --strict --source st nokey.csv s2.csv 2>/dev/null
check '--strict: a run with an aborted file is marked rejected' 0 'inline:rejected' empty \
	q "SELECT status FROM runs ORDER BY id DESC LIMIT 1"
check '--dry-run --strict: later files see what a real run would' 3 empty \
	'match:^dry run: s4.csv: 1 row: 1 new' "$CRM" import --dry-run --strict --source dst s2.csv s4.csv
printf '注文番号,顧客番号,単価,数量,ステータス\nS1,K1,100,1,完了\nS4,K1,100,1,保留\n' > os.csv
check '--lenient: a bad order status is derived, not a failure' 3 empty \
	'match:2 rows: 2 new.*1 fields left empty' "$CRM" import --lenient --source os os.csv
check '... stored as ok' 0 'inline:S1|ok
S4|ok' empty q "SELECT order_key, status FROM orders WHERE source = 'os' ORDER BY 1"
printf '注文番号,顧客番号,単価,数量\nX1,K1,100000000000000,100\n' > ov.csv
check 'an amount too large is rejected, not left empty' 3 empty 'match:0 new, 0 updated, 0 unchanged, 1 rejected' \
	"$CRM" import --source ov ov.csv
assert '... saying why' grep -q "unit price times quantity is too large an amount" ov.rejects.csv
# An order number C and digits is a cancellation only when the line is negative.
printf '注文番号,顧客番号,単価,数量\nC000123,K1,1500,1\nC-1004,K1,1500,-1\nR1,K1,1500,-1\n' > cn.csv
check 'C and digits: cancelled when negative, a shop'\''s own number otherwise' 0 'inline:C-1004|cancelled
C000123|ok
R1|returned' empty \
	sh -c '"$CRM" -q import --source cn cn.csv 2>/dev/null; sqlite3 crm.db "SELECT order_key, status FROM orders WHERE source = '"'cn'"' ORDER BY 1"'
# An amount's currency sign against the row's currency: $10 is not ¥10.
printf '注文番号,顧客番号,単価,数量,通貨\nY1,K1,$10,1,JPY\nY2,K1,$10,1,USD\nY3,K1,¥1500,1,\nY4,K1,1500円,1,円\n' > cy.csv
printf '注文番号,顧客番号,単価,数量\nZ1,K1,$10,1\nZ2,K1,¥10,1\n' > cz.csv
check 'an amount in dollars in a row that says JPY is rejected' 3 empty \
	'match:4 rows: 3 new, 0 updated, 0 unchanged, 1 rejected' "$CRM" import --source cy cy.csv
assert '... at its line, saying why' grep -q "^cy.csv,2,単価,\$10,.*is in USD by its sign, but the row's currency is JPY" cy.rejects.csv
check '... and one in a row that names no currency (it would count as yen); ¥ needs none' 3 empty \
	'match:2 rows: 1 new, 0 updated, 0 unchanged, 1 rejected' "$CRM" import --source cz cz.csv
printf '注文番号,顧客番号,単価,数量,金額,通貨\nL1,K1,$5,2,$10,JPY\n' > cl.csv
check '... under --lenient, no amount of such a row is stored' 0 'inline:L1|NULL|NULL' empty \
	sh -c '"$CRM" -q import --lenient --source cl cl.csv 2>/dev/null; sqlite3 crm.db "SELECT order_key, coalesce(unit_price, '"'NULL'"'), coalesce(amount, '"'NULL'"') FROM orders WHERE source = '"'cl'"'"'
# A decimal comma (1,50 from a European export) is not 150, nor 0,500 500;
# a footnote mark is not a digit (1500¹ is not 15001, 2024/1/2¹ not the 21st).
printf '注文番号,顧客番号,単価,数量,注文日\nD1,K1,"1,50",1,2024/1/2\nD2,K1,"1,500",1,2024/1/2\nD3,K1,"0,500",1,2024/1/2\nD4,K1,1500\302\271,1,2024/1/2\nD5,K1,1500,1,2024/1/2\302\271\n' > dc.csv
check 'a decimal comma or a footnote mark is rejected, not read as another amount or day' 3 empty \
	'match:5 rows: 1 new, 0 updated, 0 unchanged, 4 rejected' "$CRM" import --source dc dc.csv
assert '... at its line, saying why' sh -c 'grep -q "^dc.csv,2,.*its commas do not group the digits by three" dc.rejects.csv &&
	grep -q "^dc.csv,4,.*its commas do not group" dc.rejects.csv &&
	grep -q "^dc.csv,5,.*superscript or subscript digit" dc.rejects.csv &&
	grep -q "^dc.csv,6,注文日,.*superscript or subscript digit" dc.rejects.csv'
# The other way round, a European export's €1.500 is 1500 euros, and 1.000
# pieces a thousand: neither is read as 1.5 or 1. Without a euro sign a
# point is a decimal point: crm's own export writes 1.125, and Excel too.
printf '注文番号,顧客番号,単価,数量,通貨\nE1,K1,€1.500,1,EUR\nE2,K1,1500,1.000,EUR\nE3,K1,1.5,1,EUR\nE4,K1,1.125,1,EUR\nE5,K1,€1.50,1,EUR\n' > eu.csv
check 'a euro amount or a whole number with a point before three digits is rejected' 3 empty \
	'match:5 rows: 3 new, 0 updated, 0 unchanged, 2 rejected' "$CRM" import --source eu eu.csv
assert '... at its line, saying why' sh -c 'grep -q "^eu.csv,2,単価,€1.500,.*groups thousands where the euro" eu.rejects.csv &&
	grep -q "^eu.csv,3,数量,1.000,.*groups thousands in Europe" eu.rejects.csv'
check '... and 1.5, 1.125 and €1.50 are stored as written' 0 'inline:E3|15000
E4|11250
E5|15000' empty sqlite3 crm.db "SELECT order_key, unit_price FROM orders WHERE source = 'eu' ORDER BY 1"
printf '顧客番号,氏名,メールアドレス,生年月日\nL1,山田 太郎,a@example.jp,1990/1/1\n' > l1.csv
printf '顧客番号,氏名,メールアドレス,生年月日\nL1,山田 太郎,bad@@x,1990/2/30\n' > l2.csv
"$CRM" -q import --source len l1.csv
check '--lenient again: bad values empty the stored fields' 3 empty 'match:0 new, 1 updated' \
	"$CRM" import --lenient --source len l2.csv
check '... both of them, as the rejects file says' 0 'inline:|' empty \
	q "SELECT email, birthdate FROM customers c JOIN source_records s ON s.customer_id = c.id WHERE s.source = 'len'"
printf '顧客番号,氏名\nM1,山田\n' > cs.csv
printf '注文番号,顧客番号,単価,数量\nA1,M1,100,1\n' > co.csv
"$CRM" -q import --source csa co.csv
"$CRM" -q import --source csb cs.csv
check 'the same orders with another --customer-source move to that customer' 0 empty \
	'match:0 new, 1 updated, 0 unchanged' "$CRM" import --source csa --customer-source csb co.csv
check '... logged' 0 'inline:customer_id' empty \
	q "SELECT field FROM changes WHERE run_id = (SELECT max(id) FROM runs) AND tbl = 'orders'"
cp s2.csv same.csv && cp s2.csv same.txt
check 'two inputs sharing a rejects file both keep their rejects' 3 empty ignore \
	"$CRM" import --source samer same.csv same.txt
check '... both of them' 0 'inline:2' empty sh -c "grep -c '^same' same.rejects.csv"
check 'a rejects file that cannot be written fails the file before it commits' 1 empty \
	'match:cannot write rejects' "$CRM" import --source full --rejects /dev/full s2.csv
check '... so nothing of it was stored' 0 'inline:0' empty \
	q "SELECT count(*) FROM source_records WHERE source = 'full'"
printf '顧客番号,氏名,備考\nW1,山田,note\nW2,佐藤,　\n' > w1.csv
printf '顧客番号,氏名,備考\nW1,山田, \nW2,佐藤,　\n' > w2.csv
"$CRM" -q import --source ws w1.csv
"$CRM" -q import --source ws w2.csv
check 'a blank-looking extra value is no value, and clears the key' 0 'inline:|' empty \
	q "SELECT group_concat(coalesce(extra, ''), '|') FROM customers c JOIN source_records s ON s.customer_id = c.id WHERE s.source = 'ws'"

# A customer merged into another (as dedupe will do: here by hand) lives on
# in the survivor: a re-import of its source key updates the survivor, and
# its orders, old and new, go there.
printf '顧客番号,氏名,メールアドレス\nG1,山田 一郎,g1@example.jp\nG2,山田 一朗,g2@example.jp\n' > mg1.csv
printf '顧客番号,氏名,メールアドレス\nG1,山田 一郎,g1new@example.jp\nG2,山田 一朗,g2@example.jp\n' > mg2.csv
printf '注文番号,顧客番号,単価,数量\nMO1,G1,100,1\n' > mo1.csv
printf '注文番号,顧客番号,単価,数量\nMO1,G1,100,2\nMO2,G1,300,1\n' > mo2.csv
"$CRM" -q import --source mg mg1.csv
"$CRM" -q import --source mo --customer-source mg mo1.csv
key() { echo "(SELECT customer_id FROM source_records WHERE source = 'mg' AND source_key = '$1')"; }
q "UPDATE customers SET merged_into = $(key G2) WHERE id = $(key G1)"
check 'a re-import of a merged customer'"'"'s key updates the customer it was merged into' 0 empty \
	'match:2 rows: 0 new, 1 updated, 1 unchanged, 0 rejected$' "$CRM" import --source mg mg2.csv
check '... the survivor, not the merged row' 0 'inline:g1@example.jp|g1new@example.jp' empty \
	q "SELECT group_concat(email, '|') FROM (SELECT email FROM customers WHERE id IN ($(key G1), $(key G2)) ORDER BY id)"
check 'orders of the merged customer'"'"'s key go to the survivor, no customer made' 0 empty \
	'match:2 rows: 1 new, 1 updated, 0 unchanged, 0 rejected$' "$CRM" import --source mo --customer-source mg mo2.csv
check '... the old one and the new one' 0 'inline:MO1|1
MO2|1' empty q "SELECT order_key, customer_id = $(key G2) FROM orders WHERE source = 'mo' ORDER BY 1"

# A rejects file that cannot be made beside its input goes to the current
# directory, saying so; one that cannot be made where --rejects says is an
# error naming the whole path and the option.
mkdir -p rin
printf '%s\n' '顧客番号,氏名,メールアドレス' 'RJ1,,bad@@x' 'RJ2,山田 一郎,ichiro@example.jp' > rin/bad.csv
mkdir -p rin/bad.rejects.csv
check 'rejects that cannot be written beside the input go to the current directory' 3 empty \
	"match:^crm import: rin/bad.csv: cannot write 'rin/bad.rejects.csv' \(Is a directory\): rejects go to 'bad.rejects.csv' in the current directory \\(--rejects FILE to choose\\)$" \
	"$CRM" import --source rj rin/bad.csv
check '... and hold the rejected row' 0 'match:^rin/bad.csv,2,' empty cat bad.rejects.csv
check 'a --rejects file that cannot be written names its whole path and the option' 1 empty \
	"match:cannot write rejects to '$TEST_DIR/nodir/r.csv': No such file or directory; name a file that can be written with --rejects FILE" \
	"$CRM" import --source rj2 --rejects nodir/r.csv rin/bad.csv
check '... and that file stored nothing' 0 'inline:0' empty q "SELECT count(*) FROM source_records WHERE source = 'rj2'"

# A directory is no file to import, and makes no database.
mkdir -p adir
check 'import of a directory: exit 1, saying so' 1 empty \
	"inline:crm import: 'adir' is a directory: name the files in it to import" \
	"$CRM" --db dir.db import adir
assert '... and no database was made' test ! -e dir.db
# Columns without a name are shown by their place, not as nothing.
printf '%s\n' '顧客番号,,氏名,' 'EH1,x,山田 一郎,y' > eh.csv
check 'the mapping report names columns without a header by their place' 0 empty \
	'match:^  columns: 顧客番号=source_key \(column 2, no name\)=extra 氏名=name \(column 4, no name\)=extra$' \
	"$CRM" --db eh.db import eh.csv
# Rejects of stdin: the file is called stdin, and -v says the column once.
printf '%s\n' '顧客番号,氏名,メールアドレス' 'SI1,,bad@@' > si.csv
check '-v names a reject'"'"'s column once' 3 empty \
	"match:^crm import: -:2: column メールアドレス: 'bad@@' is not an email" \
	sh -c '"$1" --db si.db -v import --source si - < si.csv' sh "$CRM"
check '... and the rejects of stdin name it stdin' 0 'match:^stdin,2,' empty cat stdin.rejects.csv

# A header a slip away from one crm knows: the mapping report asks.
printf '%s\n' '顧客番号,氏名,電話版号' 'DY1,山田 太郎,03-1234-5678' > dy.csv
check 'a misspelt header gets "did you mean", with the --map that says so' 0 empty \
	"match:^  電話版号: did you mean 電話番号 \(phone\)\? --map '電話版号=phone' says so$" \
	"$CRM" --db dy.db import dy.csv

# Files that are not comma-separated CSV: read as what they are, or named.
printf '顧客番号\t氏名\tメールアドレス\nTS1\t山田 花子\ttsv@example.jp\n' > t.tsv
check 'a TSV is read as tab-separated, not as one column' 0 empty 'match:^t.tsv: 1 row: 1 new' \
	"$CRM" --db kinds.db import t.tsv
printf '顧客番号;氏名;メールアドレス\nSC1;佐藤 一郎;semi@example.jp\n' > semi.csv
check 'a semicolon-separated file too' 0 empty 'match:^semi.csv: 1 row: 1 new' \
	"$CRM" --db kinds.db import semi.csv
check '... the values in their fields' 0 'inline:山田 花子|tsv@example.jp
佐藤 一郎|semi@example.jp' empty sqlite3 kinds.db 'SELECT name, email FROM customers ORDER BY id'
printf 'PK\003\004 a zip' > book.xlsx
check 'an Excel workbook is named, with how to save it as CSV: exit 1' 1 empty \
	'match:book.xlsx:1: the file is an Excel workbook \(xlsx\), not CSV: open it in Excel and save it as "CSV UTF-8"' \
	"$CRM" --db kinds.db import book.xlsx
printf 'id,name\n1,a\n' | iconv -t UTF-16LE > u16.csv
check 'UTF-16 without a byte order mark is named: exit 1' 1 empty \
	'match:u16.csv:1: the file is UTF-16 .*without a byte order mark' \
	"$CRM" --db kinds.db import u16.csv
# Mostly kanji, few NULs: still UTF-16, LE or BE (#11, found by a new-user trial).
printf '顧客番号,氏名,会社名\n山田,山田太郎,株式会社山田\n' | iconv -f UTF-8 -t UTF-16LE > k16le.csv
printf '顧客番号,氏名,会社名\n山田,山田太郎,株式会社山田\n' | iconv -f UTF-8 -t UTF-16BE > k16be.csv
check 'UTF-16LE of kanji without a byte order mark is named' 1 empty \
	'match:k16le.csv:1: the file is UTF-16 .*without a byte order mark' "$CRM" --db k16.db import k16le.csv
check '... and so is UTF-16BE' 1 empty \
	'match:k16be.csv:1: the file is UTF-16 .*without a byte order mark' "$CRM" --db k16.db import k16be.csv

# A usage error found in a file's header changed nothing: no run is left.
printf '%s\n' '顧客番号,氏名' 'NR1,山田 太郎' > nr.csv
check 'a --map naming no column of the file: exit 2' 2 empty "match:the file has no column 'nope'" \
	"$CRM" --db nr.db import --map 'nope=phone' nr.csv
check '... and leaves no failed run behind' 0 'inline:0' empty sqlite3 nr.db 'SELECT count(*) FROM runs'

# A corrected mapping applies to every record of the file, as logged updates,
# and the value it left in extra goes; a revert puts it all back.
printf '%s\n' '顧客番号,氏名,電話版号' 'MP1,山田 太郎,03-1234-5678' 'MP2,佐藤 花子,06-1234-5678' > mapfix.csv
"$CRM" -q --db mapfix.db import --source mf mapfix.csv
check 're-importing with a corrected --map updates every record' 0 empty \
	'match:^mapfix.csv: 2 rows: 0 new, 2 updated, 0 unchanged, 0 rejected$' \
	"$CRM" --db mapfix.db import --source mf --map '電話版号=phone' mapfix.csv
check '... the phone is the field, not an extra' 0 'inline:03-1234-5678|
06-1234-5678|' empty sqlite3 mapfix.db 'SELECT phone, extra FROM customers ORDER BY id'
check '... and the same again changes nothing' 0 empty 'match:2 unchanged, 0 rejected; nothing changed$' \
	"$CRM" --db mapfix.db import --source mf --map '電話版号=phone' mapfix.csv
run=$(sqlite3 mapfix.db "SELECT max(id) FROM runs WHERE argv LIKE '%--map%'")
"$CRM" -q --db mapfix.db log revert $((run - 1))
check 'after a revert of the correction, the correction applies again' 0 empty \
	'match:^mapfix.csv: 2 rows: 0 new, 2 updated' \
	"$CRM" --db mapfix.db import --source mf --map '電話版号=phone' mapfix.csv

# A rejects file never overwrites the database or an input.
printf '%s\n' '顧客番号,氏名' 'RX1,' > rx.csv
"$CRM" -q --db rx.db init
cp rx.db rx-before.db
check '--rejects naming the database: a usage error, the database untouched' 2 empty \
	"match:^crm import: --rejects 'rx.db' is the database: name another file$" \
	"$CRM" --db rx.db import --rejects rx.db rx.csv
assert '... (byte for byte)' cmp rx.db rx-before.db
check '--rejects naming an input: a usage error' 2 empty \
	"match:^crm import: --rejects 'rx.csv' is a file to import: name another file$" \
	"$CRM" --db rx.db import --rejects rx.csv rx.csv
cp rx.csv rx.rejects.csv
check 'a default rejects file that would overwrite an input: a usage error' 2 empty \
	"match:^crm import: the rejects of 'rx.csv' would go to 'rx.rejects.csv', which is a file to import" \
	"$CRM" --db rx.db import rx.csv rx.rejects.csv
# The run keeps the command line as typed, --map included.
"$CRM" -q --db rx.db import --source rx --map '氏名=name' --rejects rx-out.csv rx.csv
check 'the run keeps --map as typed' 0 'match:"--map","氏名=name"' empty \
	sqlite3 rx.db 'SELECT argv FROM runs ORDER BY id DESC LIMIT 1'
# Short headers get no "did you mean": a slip is most of the word.
printf '%s\n' '顧客番号,氏名,x,reason' 'SH1,山田 太郎,1,2' > short.csv
check 'no "did you mean" for one-letter or far headers' 0 empty 'inline:0' \
	sh -c '"$1" --db short.db import short.csv 2>&1 | grep -c "did you mean" >&2; :' sh "$CRM"

# An input in a directory that cannot be written: its rejects go here, said so.
mkdir -p rodir
printf '%s\n' '顧客番号,氏名' 'RO1,' > rodir/ro.csv
chmod 555 rodir
check 'rejects of an input in a read-only directory go to the current one, said so' 3 empty \
	"match:^crm import: rodir/ro.csv: its directory cannot be written: rejects go to 'ro.rejects.csv' in the current directory \\(--rejects FILE to choose\\)$" \
	"$CRM" --db ro.db import rodir/ro.csv
chmod 755 rodir

# --rejects - is standard output, as crm(1) says of '-'.
printf '%s\n' '顧客番号,氏名' 'SO1,' > so.csv
check '--rejects - writes the rejects to standard output' 3 'match:^so.csv,2,' ignore \
	"$CRM" --db so.db import --rejects - so.csv
assert '... and makes no file named -' test ! -e ./-

# A --rejects that is a symbolic link: the file it names is replaced, the
# link stays; one to a device or a pipe (/dev/stdout) is written through,
# never renamed over (review).
printf '%s\n' '顧客番号,氏名' 'SL1,' > sl.csv
printf 'old\n' > sl-target.csv
ln -s sl-target.csv sl-link.csv
check '--rejects through a symbolic link replaces the file it names' 3 empty ignore \
	"$CRM" --db sl.db -q import --rejects sl-link.csv sl.csv
check '... the link stays a link, the target holds the rejects' 0 'inline:link 2' empty \
	sh -c '[ -L sl-link.csv ] && echo "link $(wc -l < sl-target.csv)"'
check '--rejects /dev/stdout writes to standard output' 3 'match:^sl.csv,2,' ignore \
	"$CRM" --db sl2.db -q import --rejects /dev/stdout sl.csv
assert '... and /dev/stdout is still a link' test -L /dev/stdout
printf 'line1\n' > cron.log
check '--rejects /dev/stdout with stdout sent to a file: appended to it, not replaced' 0 'inline:line1' \
	empty sh -c '"$1" --db sl3.db -q import --rejects /dev/stdout sl.csv >> cron.log 2>/dev/null;
		head -n 1 cron.log' sh "$CRM"
mkfifo noreader
check '--rejects a FIFO no one reads: an error at once, not a wait holding the lock' 1 empty \
	"match:cannot write rejects to '.*noreader'" timeout 20 "$CRM" --db sl4.db -q import --rejects noreader sl.csv

# Options may follow the files, as in git; -- ends them.
printf '%s\n' '顧客番号,氏名' 'DR1,山田 太郎' > dr.csv
check 'an option after the files is an option, not a file' 0 ignore 'match:^dry run: dr.csv: 1 row: 1 new' \
	"$CRM" --db dr.db import dr.csv --dry-run

# A quote inside a field not in quotes is rejected with where it is, unless
# --lenient keeps it as written and says so (#11: 高橋 "次郎 was stored).
printf '%s\n' '顧客番号,氏名' 'Q1,高橋 "次郎' 'Q2,"佐藤 ""花子"""' > quote.csv
check 'a stray quote inside an unquoted field: the row is rejected' 3 empty \
	'match:quote.csv: 2 rows: 1 new, 0 updated, 0 unchanged, 1 rejected' \
	"$CRM" -q --db quote.db import --source q quote.csv
check '... with its line, character and the two ways out' 0 \
	'match:^quote.csv,2,氏名,"高橋 ""次郎","stray quote at line 2, character 7: .*--lenient to keep it as written",' \
	empty sh -c "tr -d '\\r' < quote.rejects.csv"
check '... a quote written as RFC 4180 says is data' 0 'inline:佐藤 "花子"' empty \
	sqlite3 quote.db 'SELECT name FROM customers'
check '--lenient stores it as written' 3 empty 'match:1 new, 0 updated, 1 unchanged, 0 rejected .*1 stored with a warning' \
	"$CRM" -q --db quote.db import --source q --lenient quote.csv
check '... and lists it in the rejects file' 0 \
	'match:^quote.csv,2,氏名,"高橋 ""次郎","stored with the quote as written: a quote inside a field not in quotes, at line 2, character 7",' \
	empty sh -c "tr -d '\\r' < quote.rejects.csv"
check '... the value as the file has it' 0 'inline:高橋 "次郎' empty \
	sqlite3 quote.db "SELECT name FROM customers WHERE name LIKE '高橋%'"

# A byte order mark in the middle (files joined with cat) is no part of a
# key (#12: C00004 was stored as U+FEFF C00004, a record of its own).
printf '\357\273\277顧客番号,氏名\nC00004,山田 太郎\n' > part1.csv
printf '\357\273\277C00004,山田 太郎\n\357\273\277C00005,佐藤 花子\n' > part2.csv
cat part1.csv part2.csv > joined.csv
check 'a byte order mark inside the file is removed, with a warning' 3 empty \
	'match:joined.csv: 3 rows: 2 new, 0 updated, 0 unchanged, 1 rejected .*1 stored with a warning' \
	"$CRM" -q --db joined.db import --source j joined.csv
check '... so the key is C00004 again: a repeated key, not a new record' 0 'inline:C00004
C00005' empty sqlite3 joined.db 'SELECT source_key FROM source_records ORDER BY id'
check '... the warning names line and character' 0 \
	'match:^joined.csv,4,,,"stored with the byte order mark removed: a byte order mark \(U\+FEFF\) at line 4, character 1, where only a file.s start has one: were files joined\?"' \
	empty sh -c "tr -d '\\r' < joined.rejects.csv"

# A CP932 list whose only Japanese is half-width kana names in pairs UTF-8
# reads too (ﾐｷ is з): stored as Cyrillic, silently, before. Now asked.
printf 'id,name,kana\nK1,Miki,\320\267\nK2,Yuka,\325\266\n' > hwkana.csv
check 'a file that reads as UTF-8 and as CP932 alike is refused, both readings shown: exit 2' 2 empty \
	'match:^crm import: hwkana.csv:2: cannot tell whether the file is UTF-8 or CP932: "з" in UTF-8 is "ﾐｷ" in CP932.*--encoding utf-8 or cp932' \
	"$CRM" --db hwkana.db import --source k hwkana.csv
check '... nothing stored' 0 'inline:0' empty sqlite3 hwkana.db 'SELECT count(*) FROM customers'
check '--encoding cp932 decides' 0 empty 'match:hwkana.csv: 2 rows: 2 new' \
	"$CRM" --db hwkana.db import --source k --encoding cp932 hwkana.csv
check '... the kana as kana, in one notation' 0 'inline:ミキ
ユカ' empty sqlite3 hwkana.db 'SELECT name_kana FROM customers ORDER BY id'
# A cron job pins --encoding cp932; the day the export changes to "CSV
# UTF-8", its byte order mark says so, and nothing is read garbled.
printf '\357\273\277id,name,city\nE1,Zo\303\253 Smith,London\n' > bomcp.csv
check 'a UTF-8 byte order mark against --encoding cp932 is refused: exit 2' 2 empty \
	'match:^crm import: bomcp.csv:1: the file starts with a UTF-8 byte order mark, so it is UTF-8, not cp932 as named: leave --encoding out, or give --encoding utf-8$' \
	"$CRM" --db bomcp.db import --source b --encoding cp932 bomcp.csv
check '... nothing stored' 0 'inline:0' empty sqlite3 bomcp.db 'SELECT count(*) FROM customers'
# EUC-JP reads as valid CP932, mostly half-width kana: stored as
# ｻｳﾅﾄ ﾂﾀﾏｺ (widened to サウナト), exit 0, before.
printf '顧客番号,氏名,電話番号\nG1,山田 太郎,03-1234-5678\nG2,佐藤 花子,06-1234-5678\n' | iconv -f UTF-8 -t EUC-JP > euc.csv
check 'an EUC-JP file is refused, saying what it looks like and how to convert it: exit 2' 2 empty \
	'match:^crm import: euc.csv:1: the file looks like EUC-JP, which crm does not read: "顧客番号" in EUC-JP is .* convert it to UTF-8 first \(iconv -f EUC-JP -t UTF-8\)' \
	"$CRM" --db euc.db import --source g euc.csv
check '... nothing stored' 0 'inline:0' empty sqlite3 euc.db 'SELECT count(*) FROM customers'
# The real UCI Online Retail's only byte past ASCII is a pound sign before a digit.
printf 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n539492,gift_0001_40,Dotcomgiftshop Gift Voucher \302\24340.00,1,2010-12-20 10:14:00,34.04,12345,United Kingdom\n' > pound.csv
check '... while a pound sign before a digit is UTF-8, no question asked' 0 'inline:Dotcomgiftshop Gift Voucher £40.00' empty \
	sh -c "'$CRM' -q --db pound.db import --source r pound.csv >/dev/null 2>&1; sqlite3 pound.db 'SELECT product FROM orders'"

finish
