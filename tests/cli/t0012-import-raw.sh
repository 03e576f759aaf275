#!/bin/sh
# The row kept as read (raw): a JSON array of values with its header list
# kept once in raw_headers, the *_raw views giving header -> value; rows
# kept as objects before schema 4 migrate; a changed header list is logged.
. "$SRCDIR/tests/cli/lib.sh"

plan 19

data=$SRCDIR/tests/data/import
cp "$data"/customers.csv .
q() { sqlite3 crm.db "$@"; }

printf '%s\n' '顧客番号,氏名,メールアドレス' 'K1,山田 太郎,a@example.jp' \
	'K2,佐藤 花子,b@example.jp' > h1.csv
check 'an import keeps each row as an array of its values' 0 \
	'inline:K1|["K1","山田 太郎","a@example.jp"]|["顧客番号","氏名","メールアドレス"]' empty \
	sh -c '"$CRM" -q import --source h h1.csv && sqlite3 crm.db "SELECT s.source_key, s.raw, r.names FROM source_records s JOIN raw_headers r ON r.id = s.raw_headers WHERE s.source_key = '"'K1'"'"'
check '... the header list once, not per row' 0 'inline:1' empty q 'SELECT count(*) FROM raw_headers'
check '... and the view gives header -> value' 0 \
	'inline:{"顧客番号":"K1","氏名":"山田 太郎","メールアドレス":"a@example.jp"}' empty \
	q "SELECT raw FROM source_records_raw WHERE source_key = 'K1'"

# The same rows, columns in another order, one email changed.
printf '%s\n' '顧客番号,メールアドレス,氏名' 'K1,a@example.jp,山田 太郎' \
	'K2,b2@example.jp,佐藤 花子' > h2.csv
check 'columns in another order: only the changed field is updated' 0 empty \
	'match:^h2.csv: 2 rows: 0 new, 1 updated, 1 unchanged, 0 rejected' \
	"$CRM" import --source h h2.csv
check '... logged once, old and new' 0 'inline:customers|email|b@example.jp|b2@example.jp' empty \
	q "SELECT tbl, field, old_value, new_value FROM changes WHERE run_id = 2 AND tbl = 'customers' AND field <> 'updated_at'"
check '... the new header list is kept and its change logged' 0 \
	'inline:source_records|raw_headers|1|2
source_records|raw_headers|1|2' empty \
	q "SELECT tbl, field, old_value, new_value FROM changes WHERE run_id = 2 AND field = 'raw_headers' ORDER BY row_id"
check '... and the view follows it' 0 \
	'inline:{"顧客番号":"K2","メールアドレス":"b2@example.jp","氏名":"佐藤 花子"}' empty \
	q "SELECT raw FROM source_records_raw WHERE source_key = 'K2'"
before=$(q 'SELECT count(*) FROM changes')
check 'the same file again changes nothing' 0 empty \
	'match:^h2.csv: 2 rows: 0 new, 0 updated, 2 unchanged, 0 rejected.*nothing changed$' \
	"$CRM" import --source h h2.csv
check '... and logs nothing' 0 "inline:$before" empty q 'SELECT count(*) FROM changes'

# The source renames a column (メールアドレス, then Eメール): a value emptied
# under the new name empties the field, one unchanged changes nothing.
printf '%s\n' '顧客番号,氏名,Eメール' 'K1,山田 太郎,a@example.jp' 'K2,佐藤 花子,' > h3.csv
check 'a renamed column: the value emptied under the new name empties the field' 0 empty \
	'match:^h3.csv: 2 rows: 0 new, 1 updated, 1 unchanged, 0 rejected' \
	"$CRM" import --source h h3.csv
check '... the other, the same under either name, is left as it was' 0 'inline:K1|a@example.jp
K2|NULL' empty \
	q "SELECT s.source_key, coalesce(c.email, 'NULL') FROM customers c JOIN source_records s ON s.customer_id = c.id WHERE s.source = 'h' ORDER BY 1"
# Mapped by --map last time (mail -> email), by its name now.
printf '%s\n' '顧客番号,氏名,mail2' 'M1,松本 一,m@example.jp' > h4.csv
printf '%s\n' '顧客番号,氏名,メールアドレス' 'M1,松本 一,' > h5.csv
"$CRM" -q import --source m --map mail2=email h4.csv 2>/dev/null || bail_out 'import failed'
check '... as the old header list was mapped, --map included' 0 'inline:NULL' empty \
	sh -c '"$CRM" -q import --source m h5.csv && sqlite3 crm.db "SELECT coalesce(email, '"'NULL'"') FROM customers c JOIN source_records s ON s.customer_id = c.id WHERE s.source = '"'m'"'"'

# A file without a key column: the key hashes the header -> value object,
# as before schema 4, so that such files find their rows again.
printf '%s\n' '氏名,メールアドレス' '山田 太郎,a@example.jp' > nokey.csv
want=$(printf '%s' '{"氏名":"山田 太郎","メールアドレス":"a@example.jp"}' | sha256sum | cut -c1-32)
check 'a keyless row keeps the key it had before schema 4' 0 "inline:sha256:$want" empty \
	sh -c '"$CRM" -q import --source nokey nokey.csv 2>/dev/null; sqlite3 crm.db "SELECT source_key FROM source_records WHERE source = '"'nokey'"'"'

# A database of schema 2, raw kept as objects, migrates to arrays.
"$CRM" --db new.db -q import --source shop customers.csv 2>/dev/null
for f in "$SRCDIR"/src/sql/0001-*.sql "$SRCDIR"/src/sql/0002-*.sql; do
	sqlite3 old.db < "$f"
done
sqlite3 old.db "PRAGMA user_version = 2; PRAGMA application_id = 1129467185;
	ATTACH 'new.db' AS n;
	INSERT INTO runs SELECT id, command, argv, actor, host, started_at, finished_at, status, counts, reverted_by FROM n.runs;
	INSERT INTO customers SELECT * FROM n.customers;
	INSERT INTO source_records SELECT id, source, source_key, customer_id, run_id, raw FROM n.source_records_raw;"
sqlite3 old.db 'SELECT id, raw FROM source_records ORDER BY id' > objects
check 'a schema 2 database keeps raw as objects' 0 'inline:object' empty \
	sqlite3 old.db 'SELECT DISTINCT json_type(raw) FROM source_records'
check 'importing the same file into it after migrating changes nothing' 3 empty \
	'match:^customers.csv: 8 rows: 0 new, 0 updated, 5 unchanged, 3 rejected.*nothing changed$' \
	"$CRM" --db old.db import --source shop customers.csv
version=$("$CRM" --version | sed -n 's/.*(schema \([0-9]*\),.*/\1/p')
check '... the database is at the current schema' 0 "inline:$version" empty sqlite3 old.db 'PRAGMA user_version'
check '... its rows are arrays with their header list' 0 'inline:array|1' empty \
	sqlite3 old.db 'SELECT DISTINCT json_type(raw), raw_headers FROM source_records'
check '... and the view gives the objects back as they were' 0 "file:objects" empty \
	sqlite3 old.db 'SELECT id, raw FROM source_records_raw ORDER BY id'
check '... nothing was logged but the run' 0 'inline:0' empty \
	sqlite3 old.db 'SELECT count(*) FROM changes'

finish
