#!/bin/sh
# crm import stores customers' values in the notation crm cleanse gives
# them (#13): a cleanse right after changes nothing; the customers equal
# those of import --no-cleanse followed by cleanse, field for field, for
# new customers and for updated ones; the raw row keeps the source's
# notation, so a re-import changes nothing; a revert restores exactly;
# the summary counts by field; --dry-run lists; the field definitions
# apply; bad options are usage errors.
. "$SRCDIR/tests/cli/lib.sh"

plan 55

export CRM_USER=tester
have sqlite3 || bail_out 'sqlite3(1) is needed (README installs it)'
[ -x "$BENCH_GEN" ] || bail_out "no bench-gen at $BENCH_GEN"

# Every customer column but the two times a run sets, in id order.
cols=
customers()
{
	[ -n "$cols" ] || cols=$(sqlite3 "$1" "SELECT group_concat('\"' || name || '\"', ',')
		FROM pragma_table_info('customers') WHERE name NOT IN ('created_at', 'updated_at')")
	sqlite3 "$1" "SELECT $cols FROM customers ORDER BY id"
}

# The whole state of a database but its log: every table crm keeps data
# in, and how files were mapped by runs that stand (a reverted run's
# mapping stays, inert: import reads only those of runs not reverted).
state()
{
	for t in customers source_records orders interactions raw_headers; do
		echo "== $t"
		sqlite3 "$1" "SELECT * FROM $t ORDER BY 1"
	done
	sqlite3 "$1" "SELECT m.* FROM import_mappings m JOIN runs r ON r.id = m.run_id
		WHERE r.reverted_by IS NULL ORDER BY m.run_id"
}

# Hold-out-like data: a CP932 export with notation drift, duplicates and
# bad rows; then the same people again with more drift (every row's
# notation changes), and a third time with other content for some.
"$BENCH_GEN" --rows 3000 --seed 7 --drift-rate 0.3 --encoding cp932 --crlf > v1.csv ||
	bail_out 'bench-gen failed'
"$BENCH_GEN" --rows 3000 --seed 7 --drift-rate 0.9 --encoding cp932 --crlf > v2.csv
"$BENCH_GEN" --rows 3000 --seed 8 --drift-rate 0.5 > v3.csv

check 'import of a drifting CP932 export normalizes values, counting them by field' 3 empty \
	'match:^v1.csv: [0-9,]+ values normalized: name [0-9,]+, name_kana [0-9,]+, family_name [0-9,]+, given_name [0-9,]+, company [0-9,]+, .*phone [0-9,]+, .*postal_code [0-9,]+, prefecture [0-9,]+, city [0-9,]+, address [0-9,]+$' \
	"$CRM" --db a.db import --source s v1.csv
check '... and a cleanse right after changes nothing' 0 empty \
	'match:^crm cleanse: [0-9,]+ customers scanned, 0 changed \(0 values\); 0 violations$' \
	"$CRM" --db a.db cleanse
"$CRM" --db b.db -q import --no-cleanse --source s v1.csv 2>/dev/null
check 'import --no-cleanse stores values as written: cleanse then changes thousands' 0 empty \
	'match:^crm cleanse: [0-9,]+ customers scanned, [0-9,]+ changed \([0-9]{1,3},[0-9]{3} values\)' \
	"$CRM" --db b.db cleanse
customers a.db > a.txt
customers b.db > b.txt
check '... to the same customers, field for field' 0 empty empty cmp a.txt b.txt
assert '... (and there are customers to compare)' test "$(wc -l < a.txt)" -gt 2500
# A regular file is read ahead by a second thread that works the values
# out (import-ahead.c); standard input is read by the import alone.
cat v1.csv | "$CRM" --db c.db -q import --source s - 2>/dev/null
customers c.db > c.txt
check 'read from standard input (no thread reading ahead), the same customers' 0 empty empty \
	cmp a.txt c.txt
n_import=$(sqlite3 a.db "SELECT json_extract(counts, '\$.normalized') FROM runs WHERE id = 1")
n_cleanse=$(sqlite3 b.db "SELECT json_extract(counts, '\$.changes') FROM runs WHERE id = 2")
check 'the import normalized as many values as that cleanse changed' 0 "inline:$n_cleanse" empty \
	echo "$n_import"
check 'the raw row keeps the notation of the file' 0 'inline:1' empty \
	sqlite3 a.db "SELECT count(*) > 0 FROM source_records s JOIN customers c ON c.id = s.customer_id
		WHERE instr(s.raw, c.phone) = 0 AND c.phone IS NOT NULL"

# Imported again: nothing churns, whatever the notation.
check 'the same file again changes nothing' 3 empty 'match:^v1.csv: .* 0 updated, [0-9,]+ unchanged.*; nothing changed$' \
	"$CRM" --db a.db import --source s v1.csv
check '... and logs nothing' 0 'inline:0' empty \
	sqlite3 a.db "SELECT count(*) FROM changes WHERE run_id = 3"

# The same people in other notations: the changed rows are compared with
# their raw rows, put over the customer, and normalized again.
state a.db > before-v2.txt
check 'the same people in more drift: rows whose notation changed are read as updates' 3 empty \
	'match:^v2.csv: [0-9,]+ rows: 0 new, [0-9,]+ updated' "$CRM" --db a.db import --source s v2.csv
check '... and a cleanse right after still changes nothing' 0 empty \
	'match:0 changed \(0 values\); 0 violations$' "$CRM" --db a.db cleanse
"$CRM" --db b.db -q import --no-cleanse --source s v2.csv 2>/dev/null
"$CRM" --db b.db -q cleanse
customers a.db > a.txt
customers b.db > b.txt
check '... the customers still equal those of --no-cleanse and cleanse' 0 empty empty cmp a.txt b.txt
check 'new content for some people: updated, and equal again' 3 empty ignore \
	"$CRM" --db a.db import --source s v3.csv
"$CRM" --db b.db -q import --no-cleanse --source s v3.csv 2>/dev/null
"$CRM" --db b.db -q cleanse
customers a.db > a.txt
customers b.db > b.txt
check '... field for field' 0 empty empty cmp a.txt b.txt
check '... with nothing left for cleanse' 0 ignore 'match:0 changed \(0 values\)' \
	"$CRM" --db a.db cleanse --dry-run

# Undo: the import of new content, then the one in more drift.
run_of() { sqlite3 a.db "SELECT id FROM runs WHERE command = 'import' AND argv LIKE '%$1%'"; }
check 'revert of the import of new content' 0 empty ignore "$CRM" --db a.db log revert "$(run_of v3.csv)"
check 'revert of the import in more drift' 0 empty ignore "$CRM" --db a.db log revert "$(run_of v2.csv)"
state a.db > after-revert.txt
check '... gives back the database as it was before it, exactly' 0 empty empty \
	cmp before-v2.txt after-revert.txt
check 'crm log verify holds' 0 ignore ignore "$CRM" --db a.db log verify
check 'revert of the first import, normalized: no customer left' 0 'inline:0|0' ignore \
	sh -c '"$CRM" --db a.db -q log revert "$(sqlite3 a.db "SELECT min(id) FROM runs WHERE command = '"'import'"'")" >/dev/null 2>&1;
		sqlite3 a.db "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM source_records)"' 

# --dry-run lists what it would normalize, as cleanse's dry run does.
printf '%s\n' '顧客番号,氏名,電話番号,会社名,郵便番号,住所' \
	'K1,山田　太郎,０３－１２３４－５６７８,㈱テスト,〒100-0001,東京都千代田区千代田１丁目１番１号' \
	'K2,佐藤 花子,090-1234-5678,,,' > small.csv
check '--dry-run lists each value it would normalize, with file and line' 0 \
	'inline:file	line	customer	field	before	after	rule
small.csv	2	1	name	山田　太郎	山田 太郎	name
small.csv	2	1	family_name		山田	name
small.csv	2	1	given_name		太郎	name
small.csv	2	1	company	㈱テスト	株式会社テスト	company
small.csv	2	1	phone	０３－１２３４－５６７８	03-1234-5678	phone
small.csv	2	1	postal_code	〒100-0001	100-0001	postal
small.csv	2	1	prefecture		東京都	address
small.csv	2	1	city		千代田区	address
small.csv	2	1	address	東京都千代田区千代田１丁目１番１号	千代田1-1-1	address
small.csv	3	2	family_name		佐藤	name
small.csv	3	2	given_name		花子	name' \
	'match:^dry run: small.csv: 11 values would be normalized: name 1, family_name 2, given_name 2, company 1, phone 1, postal_code 1, prefecture 1, city 1, address 1$' \
	"$CRM" --db d.db import --dry-run --format tsv --source s small.csv
check '... and changes nothing' 0 'inline:0|0' empty \
	sqlite3 d.db "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM runs)"
check '--no-cleanse --dry-run lists nothing' 0 empty 'match:^dry run: small.csv: 2 rows: 2 new' \
	"$CRM" --db d.db import --no-cleanse --dry-run --source s small.csv
check 'the real run stores what the dry run listed' 0 \
	'inline:山田 太郎|山田|太郎|株式会社テスト|03-1234-5678|100-0001|東京都|千代田区|千代田1-1-1' empty \
	sh -c '"$CRM" --db d.db -q import --source s small.csv &&
		sqlite3 d.db "SELECT name, family_name, given_name, company, phone, postal_code,
			prefecture, city, address FROM customers WHERE id = 1"'
check 'the run counts what it normalized' 0 'inline:11|0' empty \
	sqlite3 d.db "SELECT json_extract(counts, '\$.normalized'), json_extract(counts, '\$.violations') FROM runs"

# A changed name: its parts follow. A new address in another prefecture:
# the customer moved, and the prefecture and city follow it too.
printf '%s\n' '顧客番号,氏名,電話番号,会社名,郵便番号,住所' \
	'K1,山田　一郎,０３－１２３４－５６７８,㈱テスト,〒100-0001,大阪府大阪市北区梅田１丁目１番１号' \
	'K2,佐藤 花子,090-1234-5678,,,' > small2.csv
check 'an update: the changed name and the moved address normalized, their parts following' 0 empty \
	'match:^small2.csv: 5 values normalized: name 1, given_name 1, prefecture 1, city 1, address 1$' \
	"$CRM" --db d.db import --source s small2.csv
check '... stored so' 0 'inline:山田 一郎|山田|一郎|大阪府|大阪市北区|梅田1-1-1' empty \
	sqlite3 d.db "SELECT name, family_name, given_name, prefecture, city, address FROM customers WHERE id = 1"
check '... and a cleanse right after finds nothing to change or report' 0 empty \
	'match:0 changed \(0 values\); 0 violations$' "$CRM" --db d.db cleanse
printf '%s\n' '顧客番号,氏名,住所' 'K1,山田 一郎,港区六本木1-1-1' > small2b.csv
check 'a move that names no prefecture: the city follows, the prefecture stays' 0 \
	'inline:大阪府|港区|六本木1-1-1' ignore \
	sh -c '"$CRM" --db d.db -q import --source s small2b.csv 2>/dev/null; sqlite3 d.db "SELECT prefecture, city, address FROM customers WHERE id = 1"'
printf '%s\n' '顧客番号,氏名,都道府県,住所' 'P1,森 一,東京都,大阪府大阪市北区梅田1-1-1' > small5.csv
check 'a prefecture column and an address that disagree: stored as written, counted' 0 empty \
	'match:1 value against the rules or field definitions, stored as written: address 1 \(crm cleanse --check lists them\)$' \
	"$CRM" --db p.db import --source s small5.csv
check '... which crm cleanse --check reports the same' 3 \
	'match:address,大阪府大阪市北区梅田1-1-1,"the address says 大阪府, the prefecture field 東京都"' \
	ignore "$CRM" --db p.db cleanse --check --format csv

# The same with --no-cleanse: the stale parts are emptied, for cleanse to split the new name.
"$CRM" --db g.db -q import --no-cleanse --source s small.csv
"$CRM" --db g.db -q cleanse
"$CRM" --db g.db -q import --no-cleanse --source s small2.csv 2>/dev/null
check 'import --no-cleanse of a changed name empties the parts of the old one' 0 'inline:山田　一郎||' \
	empty sqlite3 g.db "SELECT name, family_name, given_name FROM customers WHERE id = 1"
check '... and the prefecture and city of the old address' 0 'inline:||大阪府大阪市北区梅田１丁目１番１号' \
	empty sqlite3 g.db "SELECT prefecture, city, address FROM customers WHERE id = 1"
check '... which cleanse then takes from the new name and address, as import would have' 0 \
	'inline:山田 一郎|山田|一郎|大阪府|大阪市北区|梅田1-1-1' ignore \
	sh -c '"$CRM" --db g.db -q cleanse; sqlite3 g.db "SELECT name, family_name, given_name, prefecture, city, address FROM customers WHERE id = 1"'
printf '%s\n' '顧客番号,氏名,電話番号,会社名,郵便番号,住所' \
	'K1,山田 一郎,03-1234-5678,,,' > small3.csv
check 'a name written otherwise but the same leaves its parts' 0 'inline:山田|一郎' ignore \
	sh -c '"$CRM" --db g.db -q import --no-cleanse --source s small3.csv 2>/dev/null; sqlite3 g.db "SELECT family_name, given_name FROM customers WHERE id = 1"'

# Field definitions: the same as cleanse's (--fields, then CRM_FIELDS).
printf '%s\n' '[phone]' 'rules = -phone' '[email]' 'required = yes' > defs.txt
check 'with the phone rule off, phones are stored as written; required fields counted' 0 empty \
	'match:^small.csv: [0-9]+ values normalized: .*; 2 values against the rules or field definitions, stored as written: email 2 ' \
	"$CRM" --db e.db import --fields defs.txt --source s small.csv
check '... the phone as written' 0 'inline:０３－１２３４－５６７８' empty \
	sqlite3 e.db "SELECT phone FROM customers WHERE id = 1"
check '... and cleanse with the same definitions changes nothing' 0 empty 'match:0 changed \(0 values\); 2 violations' \
	env CRM_FIELDS=defs.txt "$CRM" --db e.db cleanse

check '... and so with $CRM_FIELDS naming them' 0 'inline:０３－１２３４－５６７８' ignore \
	sh -c 'CRM_FIELDS=defs.txt "$CRM" --db e2.db -q import --source s small.csv 2>/dev/null;
		sqlite3 e2.db "SELECT phone FROM customers WHERE id = 1"'
check '... and with the definitions stored by crm cleanse --save' 0 'inline:０３－１２３４－５６７８' ignore \
	sh -c '"$CRM" --db e3.db -q init && "$CRM" --db e3.db -q cleanse --fields defs.txt --save &&
		"$CRM" --db e3.db -q import --source s small.csv 2>/dev/null;
		sqlite3 e3.db "SELECT phone FROM customers WHERE id = 1"'

printf '%s\n' '[会員区分]' 'aliases = ランク' 'choices = ゴールド、シルバー' > own.txt
printf '%s\n' '会員番号,氏名,ランク' 'M1,森一,プラチナ' > own.csv
check 'a field of the definitions'"'"' own against them is counted too, by itself' 0 empty \
	"match:^own.csv: 1 value against the rules or field definitions, stored as written: the definitions' own fields 1 \(crm cleanse --check lists them\)\$" \
	"$CRM" --db own.db import --fields own.txt --source o own.csv

printf '%s\n' '顧客番号,氏名,電話番号,携帯電話' 'N1,森 一,03-1234-5678(代),０９０－１２３４－５６７８（本人）' > note.csv
check 'a phone with a note of which line it is is taken, the note kept (a new-user trial)' 0 \
	'inline:03-1234-5678 (代)|090-1234-5678 (本人)' ignore \
	sh -c '"$CRM" --db note.db -q import --source n note.csv && sqlite3 note.db "SELECT phone, mobile FROM customers"'

# Orders are stored as read, with or without --no-cleanse.
printf '%s\n' '注文番号,顧客番号,注文日,金額' 'O1,K1,2026/11/02,"1,200"' > orders.csv
check 'orders are imported as before' 0 empty 'match:^orders.csv: 1 row: 1 new' \
	"$CRM" --db d.db import --source s orders.csv

# Records large enough that a few hold all the bytes the thread may read
# ahead (8 MiB): it once waited for the import to take a batch of them,
# while the import waited for the batch (a review found it).
note=$(head -c 4300000 /dev/zero | tr '\0' 'a')
{ echo '顧客番号,氏名,メールアドレス,備考'; echo "G1,大山 一郎,g1@example.jp,$note"; } > one-big.csv
check 'one record of 4 MB is imported, not waited on for ever' 0 empty 'match:^one-big.csv: 1 row: 1 new' \
	timeout 120 "$CRM" --db big.db import --source big one-big.csv
note=$(head -c 700000 /dev/zero | tr '\0' 'b')
{ echo '顧客番号,氏名,メールアドレス,備考'; i=1; while [ $i -le 30 ]; do echo "H$i,大山 $i郎,h$i@example.jp,$note"; i=$((i + 1)); done; } > many-big.csv
check '... nor thirty of 700 KB' 0 empty 'match:^many-big.csv: 30 rows: 30 new' \
	timeout 120 "$CRM" --db big.db import --source many many-big.csv
check '... each whole' 0 'inline:31|700000' empty \
	sqlite3 big.db "SELECT count(*), min(length(json_extract(extra, '\$.備考'))) FROM customers"

# A record rejected after the rules ran (its key came before) counts no violation.
printf '%s\n' '顧客番号,氏名,メールアドレス' 'C1,山田 太郎,taro@example.com' 'C1,山田 次郎,taro@gmial.com' > twice.csv
check 'a repeated key: rejected, and its misspelt domain not counted' 3 empty \
	'match:^twice.csv: 2 rows: 1 new, 0 updated, 0 unchanged, 1 rejected \(twice.rejects.csv\)$' \
	"$CRM" --db twice.db import --source t twice.csv
check '... (the run counts no violation)' 0 'inline:0' empty \
	sqlite3 twice.db "SELECT json_extract(counts, '\$.violations') FROM runs"

# Bad options.
check '--format without --dry-run: exit 2' 2 empty 'match:--format is for the list --dry-run prints' \
	"$CRM" --db f.db import --format csv small.csv
check '--format of no format: exit 2' 2 empty "match:--format" \
	"$CRM" --db f.db import --dry-run --format xml small.csv
check '--dry-run with --rejects -: exit 2, both would go to standard output' 2 empty \
	'match:--rejects - cannot go there too' "$CRM" --db f.db import --dry-run --rejects - small.csv
check '--dry-run with the rejects sent to standard output by name: exit 2' 2 empty \
	'match:is standard output, where --dry-run lists the values it would normalize' \
	sh -c '"$CRM" --db f.db import --dry-run --rejects /dev/stdout small.csv > out.txt'
check "'-' named twice: exit 2, standard input can be read once" 2 empty \
	'match:is named twice: it can be read once' sh -c 'cat small.csv | "$CRM" --db f.db import - -'
assert '... and no database was made' test ! -e f.db
