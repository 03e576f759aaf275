#!/bin/sh
# crm cleanse: the traps of notation drift fixed by rule, the dry run equal
# to the real run, idempotence over every fixture, undo through crm log
# revert to a byte-identical database, --check against field definitions.
. "$SRCDIR/tests/cli/lib.sh"

plan 60

export CRM_USER=tester
q() { sqlite3 crm.db "$@"; }
data=$SRCDIR/tests/data
cp "$data"/cleanse/customers.csv traps.csv
cp "$data"/cleanse/fields.txt fields.txt
"$CRM" -q import --no-cleanse --source crm traps.csv

check 'a dry run lists the changes it would make' 0 \
	'match:^1	address	東京都千代田区丸の内一丁目２番３号	丸の内1-2-3	address$' \
	'match:^crm cleanse: dry run: 5 customers scanned, 5 changed \(25 values\)' \
	"$CRM" cleanse --dry-run --format tsv
check '... and changes nothing' 0 'inline:1|0' empty \
	q "SELECT count(*), (SELECT count(*) FROM customers WHERE prefecture IS NOT NULL AND id = 1) FROM runs"
"$CRM" cleanse --dry-run --format tsv 2>/dev/null | tail -n +2 | cut -f1-4 > dry
dump_tables > before
check 'the real run cleanses, as run 2' 0 empty \
	'match:^crm cleanse: 5 customers scanned, 5 changed \(25 values\): name 5, kana 2, company 3, phone 5, email 2, postal 2, address 6; 2 violations: email 1, address 1$' \
	"$CRM" cleanse
"$CRM" log show 2 --format tsv | tail -n +2 | awk -F '\t' '$7 != "updated_at"' | cut -f5,7-9 > real
assert '... making exactly the changes the dry run listed' cmp dry real

# The traps, one by one.
check '㈱ before the name and (株) after it become 株式会社 where they stood' 0 \
	'inline:株式会社サンプル
テスト株式会社
株式会社コーヒー商会
Acme Co., Ltd.
有限会社鈴木商店' empty q 'SELECT company FROM customers ORDER BY id'
check 'ﾊﾝｶｸ and ひらがな kana become katakana; タカハシ stays' 0 'inline:ヤマダ タロウ
サトウ ハナコ
タカハシ イチロウ' empty q 'SELECT name_kana FROM customers WHERE name_kana IS NOT NULL ORDER BY id'
check '０３－…, 03(1234)5678 内線, +81-3-… become one display form; +1 is left' 0 'inline:03-1234-5678|090-1234-5678
03-1234-5678 内線 12|090-1111-2222
03-1234-5678|
+1 415 555 0100|
03-1234-5678|' empty q 'SELECT phone, mobile FROM customers ORDER BY id'
check '〒１００－０００１ and 1000001 become 100-0001; a US ZIP stays' 0 'inline:100-0001
100-0001
530-0001
94105
105-0011' empty q 'SELECT postal_code FROM customers ORDER BY id'
check 'the prefecture and city leave the address, 一丁目２番３号 becomes 1-2-3' 0 'inline:東京都|千代田区|丸の内1-2-3
大阪府|大阪市北区|梅田3-1
||
||1 Market St
大阪府||東京都港区芝公園四丁目２番８号' empty \
	q 'SELECT prefecture, city, address FROM customers ORDER BY id'
check 'names from their parts: 佐々木 and 髙橋 as written, Latin given name first' 0 'inline:山田 太郎
佐々木 花子
髙橋 一郎
John Smith
鈴木 次郎' empty q 'SELECT name FROM customers ORDER BY id'
check 'e-mail: width folded, mailto: gone, domain lower-case, local part kept' 0 'inline:TARO@example.co.jp
hanako@gmial.com
ichiro..t@docomo.ne.jp' empty q 'SELECT email FROM customers WHERE id <= 3 ORDER BY id'

check 'a second run changes nothing' 0 empty 'match:5 customers scanned, 0 changed \(0 values\)' \
	"$CRM" cleanse
check 'crm log revert of the cleanse restores every value byte for byte' 0 empty ignore \
	"$CRM" log revert 2
dump_tables > after
assert '... (dump comparison)' cmp before after

# Idempotence over every fixture: cleanse, then cleanse the result.
for f in "$data"/import/*.csv "$data"/cleanse/customers.csv; do
	cp "$f" "fx-$(basename "$f")"
done
rm -f crm.db crm.db-wal crm.db-shm crm.db-lock
for f in fx-*.csv; do
	"$CRM" -q import --no-cleanse --source "${f%.csv}" --rejects rejects.csv "$f" 2>/dev/null
done
check 'every fixture imported' 0 'match:^[1-9][0-9]$' empty q 'SELECT count(*) FROM customers'
check 'cleanse over every fixture' 0 empty 'match:changed \([1-9][0-9]* values\)' "$CRM" cleanse
check '... and cleanse of its output changes 0 values' 0 empty 'match:, 0 changed \(0 values\)' \
	"$CRM" cleanse

# --check against the field definitions.
rm -f crm.db crm.db-wal crm.db-shm crm.db-lock
"$CRM" -q import --no-cleanse --source crm traps.csv
check '--check lists violations, exit 3, changing nothing' 3 \
	'inline:customer,key,name,field,value,problem
2,crm:K02,,email,mailto:hanako@gmial.com,a misspelt domain? perhaps hanako@gmail.com
5,crm:K05,,address,東京都港区芝公園四丁目２番８号,"the address says 東京都, the prefecture field 大阪府"' \
	'match:^crm cleanse: check: 5 customers scanned; 2 violations' "$CRM" cleanse --check
check '... with field definitions: choices, required, rules off' 3 \
	'inline:customer,key,name,field,value,problem
5,crm:K05,,address,東京都港区芝公園四丁目２番８号,"the address says 東京都, the prefecture field 大阪府"
5,crm:K05,,rank,プラチナ,not one of the choices the field definitions allow' \
	ignore "$CRM" cleanse --check --fields fields.txt
printf '[email]\nrequired = maybe\n' > bad-fields.txt
check 'a syntax error in them: file:line, exit 1' 1 empty \
	"inline:crm cleanse: bad-fields.txt:2: required = 'maybe': use yes or no" \
	env CRM_FIELDS=bad-fields.txt "$CRM" cleanse --check
check 'with the phone rule off, phones are left; --rule limits the rules' 0 'inline:０３－１２３４－５６７８' \
	ignore sh -c '"$CRM" cleanse --fields fields.txt --rule phone --rule company >/dev/null 2>&1;
		sqlite3 crm.db "SELECT phone FROM customers WHERE id = 1"'
check '... while --rule company did its part' 0 'inline:株式会社サンプル' empty \
	q 'SELECT company FROM customers WHERE id = 1'
check '--field limits the fields' 0 'inline:100-0001|ﾔﾏﾀﾞ ﾀﾛｳ' ignore \
	sh -c '"$CRM" cleanse --field postal_code >/dev/null 2>&1;
		sqlite3 crm.db "SELECT postal_code, name_kana FROM customers WHERE id = 1"'
"$CRM" -q cleanse
printf '%s\n' '顧客番号,氏名,住所' 'K09,新井 九郎,東京都港区芝公園四丁目２番８号' > late.csv
"$CRM" -q import --no-cleanse --source crm late.csv
late=$(q 'SELECT max(id) FROM runs')
check '--since RUN takes only the customers that run or later ones changed' 0 empty \
	'match:^crm cleanse: 1 customer scanned, 1 changed' "$CRM" cleanse --since "$late"
runs=$(q 'SELECT count(*) FROM runs')
check '--since a run that is not there: exit 1, naming it' 1 empty \
	"inline:crm cleanse: there is no run 999: see 'crm log'" "$CRM" cleanse --since 999
check '... and no run is left behind' 0 "inline:$runs" empty q 'SELECT count(*) FROM runs'

# Import reads the same definitions: their aliases map a company's headers.
printf '%s\n' '会員番号,氏名,メアド' 'M1,森 一,mori@example.jp' > own.csv
check 'import --fields maps a header by its alias (メアド -> email)' 0 empty 'match:メアド=email' \
	"$CRM" import --no-cleanse --source own --fields fields.txt own.csv
check '... and stores it there' 0 'inline:mori@example.jp' empty \
	q "SELECT email FROM customers WHERE name = '森 一'"
check 'import with a bad definitions file fails before the database, exit 1' 1 empty \
	"inline:crm import: bad-fields.txt:2: required = 'maybe': use yes or no" \
	env CRM_FIELDS=bad-fields.txt "$CRM" --db other.db import own.csv
assert '... (other.db was not created)' test ! -e other.db

# The email-typo rule alone reports; only the email rule changes an email.
printf '%s\n' '顧客番号,氏名,メール' 'T1,空 メール,sora@example.jp' > typo.csv
"$CRM" -q --db typo.db import --no-cleanse --source typo typo.csv
sqlite3 typo.db "UPDATE customers SET email = '　'"
check '--rule email-typo leaves a blank email alone' 0 empty \
	'match:1 customer scanned, 0 changed \(0 values\)' "$CRM" --db typo.db cleanse --rule email-typo
check '--rule email empties it, under the email rule' 0 empty \
	'match:1 changed \(1 value\): email 1' "$CRM" --db typo.db cleanse --rule email

# A field of the company's own: import keeps it in extra under its name,
# whichever alias the file used, and --check holds it to its definition.
printf '%s\n' '[会員区分]' 'aliases = ランク、会員ランク' 'type = enum' \
	'choices = ゴールド、シルバー' 'required = yes' > own-fields.txt
printf '%s\n' '会員番号,氏名,ランク,会員ランク' 'M3,森 三,ゴールド,シルバー' 'M4,森 四,プラチナ,' \
	'M5,森 五,,' > own3.csv
check 'import maps an alias of a field of the company'"'"'s own (ランク -> 会員区分)' 0 empty \
	'match:ランク=会員区分 会員ランク=extra' \
	"$CRM" --db own.db import --no-cleanse --source own --fields own-fields.txt own3.csv
check '... and keeps it in extra under that name; a second such column keeps its header' 0 \
	'inline:{"会員区分":"ゴールド","会員ランク":"シルバー"}' empty \
	sqlite3 own.db "SELECT extra FROM customers WHERE name = '森 三'"
check '... which --check holds to the definition, naming each customer by key and name' 3 \
	'inline:customer,key,name,field,value,problem
2,own:M4,森 四,会員区分,プラチナ,not one of the choices the field definitions allow
3,own:M5,森 五,会員区分,,"required, but empty"' \
	ignore "$CRM" --db own.db cleanse --check --fields own-fields.txt

# Stored definitions: --save, then import and cleanse use them by default.
check '--save without --fields: exit 2' 2 empty 'match:--save stores the file given with --fields' \
	"$CRM" cleanse --save
check '--save of a bad file: exit 1, nothing stored' 1 empty 'match:bad-fields.txt:2:' \
	"$CRM" cleanse --fields bad-fields.txt --save
check '--fields FILE --save stores the definitions, as a run' 0 empty \
	'match:field definitions from fields.txt stored in the database \(run [0-9]+\)' \
	"$CRM" cleanse --fields fields.txt --save
check '... the file as it was, byte for byte' 0 'inline:1|fields.txt' empty \
	q "SELECT text = CAST(readfile('fields.txt') AS TEXT), source FROM field_definitions"
check '... which --check now uses without --fields' 3 'match:^5,crm:K05,鈴木 次郎,rank,プラチナ,' ignore \
	"$CRM" cleanse --check
printf '%s\n' '会員番号,氏名,連絡先' 'M2,森 二,mori2@example.jp' > own2.csv
check '... and so does import (連絡先 -> email)' 0 empty 'match:連絡先=email' \
	"$CRM" import --no-cleanse --source own own2.csv
save=$(q "SELECT run_id FROM field_definitions")
check 'crm log revert of the --save run removes them' 0 empty ignore "$CRM" log revert "$save"
check '... (none stored)' 0 'inline:0' empty q 'SELECT count(*) FROM field_definitions'

printf '%s\n' '顧客番号,氏名,住所' 'K10,住所 十,東京都千代田区丸の内一丁目２番３号' > addr.csv
"$CRM" -q import --no-cleanse --source addr addr.csv
check '--field address alone leaves an address whose prefecture and city it cannot store' 0 \
	'inline:||東京都千代田区丸の内一丁目２番３号' ignore sh -c '"$CRM" cleanse --field address >/dev/null 2>&1;
		sqlite3 crm.db "SELECT prefecture, city, address FROM customers WHERE name = '"'住所 十'"'"'

check 'an unknown rule: exit 2' 2 empty 'match:--rule .tidy. is not a rule' "$CRM" cleanse --rule tidy
check 'an unknown field: exit 2' 2 empty "match:--field 'colour' is not a customer field" \
	"$CRM" cleanse --field colour
check '--check with --dry-run: exit 2' 2 empty 'match:drop --dry-run' "$CRM" cleanse --check --dry-run
check 'a missing database: exit 1' 1 empty ignore "$CRM" --db none.db cleanse

# A cleanse that changed nothing offers nothing to undo.
"$CRM" -q cleanse
check 'a cleanse that changed nothing does not offer to revert it' 0 'inline:0 changed
0' empty sh -c '"$1" cleanse 2>&1 | grep -o "0 changed"; "$1" cleanse 2>&1 | grep -c "crm log revert" || :' \
	sh "$CRM"

# NFKC keeps circled numbers: ㈱テスト① is 株式会社テスト①, not 株式会社テスト1.
printf '%s\n' '顧客番号,氏名,会社名' 'CN1,山田 太郎,㈱テスト①' > circled.csv
"$CRM" -q --db circled.db import --no-cleanse --source c circled.csv
check 'a circled number in a company name stays' 0 'inline:株式会社テスト①' empty \
	sh -c '"$1" -q --db circled.db cleanse && sqlite3 circled.db "SELECT company FROM customers"' \
	sh "$CRM"

# What import accepts, cleanse writes in its grouping, and that output is
# accepted again (#12: ー between digits became an extension, and every
# cleanse reported 090 ー1234ー5678).
cp "$SRCDIR/tests/data/repro/phone-digits-moved-to-extension.csv" ph.csv
"$CRM" -q --db ph.db import --no-cleanse --source t ph.csv
check 'phones with ー as a dash: cleanse groups them, no extension made' 0 'inline:+864115
090-1234-5678
03-1234-5678
+442079460958' empty \
	sh -c '"$1" -q --db ph.db cleanse && sqlite3 ph.db "SELECT phone FROM customers ORDER BY id"' \
	sh "$CRM"
check '... --check accepts what cleanse wrote' 0 'inline:customer,key,name,field,value,problem' \
	'match:0 violations' "$CRM" --db ph.db cleanse --check
check '... and a second cleanse changes nothing' 0 empty 'match:, 0 changed \(0 values\); 0 violations' \
	"$CRM" --db ph.db cleanse

# Address block numbers reach their notation in one cleanse (#12: three
# cleanses changed 10, 4, then 0 values).
cp "$SRCDIR/tests/data/repro/address-not-idempotent.csv" addr2.csv
"$CRM" -q --db addr2.db import --no-cleanse --source t addr2.csv
check 'the repro addresses: one cleanse writes them as the second would' 0 'inline:1-121-1
東817-14' empty \
	sh -c '"$1" -q --db addr2.db cleanse && sqlite3 addr2.db "SELECT address FROM customers ORDER BY id"' \
	sh "$CRM"
check '... and a second cleanse changes nothing' 0 empty 'match:, 0 changed \(0 values\); 0 violations' \
	"$CRM" --db addr2.db cleanse

# A number outside Japan's numbering plan cannot be grouped: import rejects
# it with the reason instead of cleanse stripping it to its digits (#11).
printf '%s\n' '顧客番号,氏名,電話番号' 'S1,札幌 一郎,011-123-4567' 'S2,札幌 二郎,011-211-2111' > sapporo.csv
check 'a Sapporo number that the plan does not have is rejected, with why' 3 ignore \
	"match:sapporo.csv: 2 rows: 1 new, 0 updated, 0 unchanged, 1 rejected" \
	"$CRM" --db sapporo.db import --no-cleanse --source s sapporo.csv
check '... file, line and reason in the rejects file' 0 \
	"match:^sapporo.csv,2,電話番号,011-123-4567,column 電話番号: '011-123-4567' is not in Japan's numbering plan: no number starts 0111," \
	empty sh -c "tr -d '\\r' < sapporo.rejects.csv"
check '... and the real one is grouped as MIC groups it' 0 'inline:011-211-2111' empty \
	sh -c '"$1" -q --db sapporo.db cleanse && sqlite3 sapporo.db "SELECT phone FROM customers"' sh "$CRM"

# A birthdate after today (2199 for 1999): stored as written, and reported.
printf '顧客番号,氏名,生年月日\nB1,山田 太郎,2199/1/1\nB2,山田 花子,1985/4/3\n' > future.csv
check 'a birthdate after today is reported on the way in' 0 empty \
	'match:1 value against the rules or field definitions, stored as written: birthdate 1' \
	"$CRM" --db future.db import --source f future.csv
check '... and listed by --check, the past one not' 3 \
	'inline:customer,key,name,field,value,problem
1,f:B1,山田 太郎,birthdate,2199-01-01,is after today: no one is born on it yet' ignore \
	"$CRM" --db future.db cleanse --check

finish
