#!/bin/sh
# crm export (#17): formula injection neutralised in csv and tsv (json as
# is), consent enforced for marketing, masking, encodings (CP932 errors
# name the customer; --replace), the workbook read back equal to the CSV,
# the record of provision (exports, export_customers, crm log customer,
# revert), --ids from a pipeline and SOURCE:KEY, merged records, a file
# written whole or not at all, and bad input.
. "$SRCDIR/tests/cli/lib.sh"

plan 69

export CRM_USER=tester
have sqlite3 || bail_out 'sqlite3(1) is needed (README installs it)'
have python3 || bail_out 'python3(1) is needed (meson brings it)'

cat > people.csv <<'EOF'
顧客番号,氏名,メールアドレス,電話番号,住所,生年月日,メール配信,電話連絡,郵送
P1,"=HYPERLINK(""http://x"",""y"")",a@example.jp,090-1234-5678,東京都千代田区丸の内1-1-1,1980-04-03,1,1,1
P2,@SUM(A1),b@example.jp,03-1111-2222,大阪府大阪市北区梅田1-1-1,1990-12-31,0,1,
P3,山田 太郎,taro@example.jp,,,1975-01-02,1,,1
P4,𠮷田 一郎,ichiro@example.jp,06-3333-4444,,,1,0,0
EOF
"$CRM" -q init || bail_out 'init failed'
"$CRM" -q import --source shop --map 電話連絡=consent_phone --map 郵送=consent_post people.csv ||
	bail_out 'import of people.csv failed'

check 'formula injection: neutralised in csv' 0 'inline:id,name
1,"'"'"'=HYPERLINK(""http://x"",""y"")"
2,'"'"'@SUM(A1)' ignore "$CRM" export --purpose analysis --columns id,name --where 'id <= 2'
check '... and in tsv' 0 "inline:id	name
1	\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"
2	'@SUM(A1)" ignore "$CRM" export --purpose analysis --columns id,name --where 'id <= 2' --format tsv
check '... json is as it is' 0 'inline:{"id":1,"name":"=HYPERLINK(\"http://x\",\"y\")"}
{"id":2,"name":"@SUM(A1)"}' ignore \
	"$CRM" export --purpose analysis --columns id,name --where 'id <= 2' --format json
check '... --no-formula-guard writes it as it is' 0 'match:^1,"=HYPERLINK' ignore \
	"$CRM" export --purpose analysis --columns id,name --where 'id = 1' --no-formula-guard

# Consent: email needs consent_email, phone consent_phone, address consent_post.
check 'marketing: email needs email consent' 0 'inline:id,email
1,a@example.jp
3,taro@example.jp
4,ichiro@example.jp' \
	'match:^crm export: 1 left out without consent for what the columns carry: email 1 \(' \
	"$CRM" export --columns id,email
check '... every one matched left out: said so, not "no customer matched"' 0 'inline:id,email' \
	'match:^crm export: every customer matched was left out: the export is recorded, empty$' \
	"$CRM" export --columns id,email --where 'id = 2'
check '... email and phone: both' 0 'inline:id,email,phone
1,a@example.jp,090-1234-5678' 'match:^crm export: 3 left out without consent for what the columns carry: email 1, phone 2 \(' \
	"$CRM" export --columns id,email,phone
check '... address: post (unknown consent is no consent)' 0 'inline:id,address
1,丸の内1-1-1
3,' ignore "$CRM" export --columns id,address
check '... service does not ask' 0 'match:^4,ichiro' ignore \
	"$CRM" export --columns id,email,phone --purpose service
check '... nor does a name alone' 0 'inline:id,name
3,山田 太郎
4,𠮷田 一郎' ignore "$CRM" export --columns id,name --where 'id >= 3'

# Masking, Japanese headers, columns by their Japanese names.
check '--mask and --header ja' 0 'inline:氏名,メールアドレス,電話番号,生年月日
山田 *,t***@example.jp,,1975
𠮷田 *,i***@example.jp,06-****-4444,' ignore \
	"$CRM" export --purpose analysis --columns 氏名,メールアドレス,phone,birthdate --header ja \
	--mask name,email,phone,birthdate --where 'id >= 3'
check '... the record names the columns masked' 0 \
	'inline:name (masked),email (masked),phone (masked),birthdate (masked)' empty \
	sqlite3 crm.db 'SELECT columns FROM exports ORDER BY id DESC LIMIT 1'

# Encodings.
check '--excel: a byte order mark and CRLF' 0 'inline:efbbbf69642c6e616d650d0a' ignore sh -c \
	'"$CRM" export --purpose analysis --columns id,name --where "id = 3" --excel | head -c 12 | od -An -tx1 | tr -d " \n"; echo'
check '--encoding cp932: what CP932 lacks is an error naming the customer' 1 empty \
	"match:^crm export: customer 4, column name: character U\\+20BB7 '𠮷' cannot be written in CP932 \\(--replace writes \\? for it\\)" \
	"$CRM" export --purpose analysis --columns name --where 'id = 4' --encoding cp932 -o cp.csv
check '... and nothing was written, nor recorded' 0 'inline:0 0' empty sh -c \
	'ls cp.csv* 2>/dev/null | wc -l | tr -d " \n"; printf " "; sqlite3 crm.db "SELECT count(*) FROM exports WHERE columns = '"'name'"'"'
check '... --replace writes ?' 0 'inline:name
?田 一郎' 'match:^crm export: 1 character CP932 lacks written as \?' sh -c \
	'"$CRM" export --purpose analysis --columns name --where "id = 4" --encoding cp932 --replace | iconv -f CP932 -t UTF-8'

# The workbook.
"$CRM" -q export --purpose analysis --columns id,source_key,name,email,birthdate -o list.xlsx ||
	bail_out 'export to xlsx failed'
"$CRM" -q export --purpose analysis --columns id,source_key,name,email,birthdate --no-formula-guard \
	> list.csv || bail_out 'export to csv failed'
cat > cells.py <<'EOF'
import csv, datetime, re, sys, zipfile
import xml.etree.ElementTree as ET
ns = {'s': 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'}
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
for part in ('[Content_Types].xml', 'xl/workbook.xml', 'xl/worksheets/sheet1.xml'):
    assert part in names, part
# the number formats of the cell styles: a date's has yy in it
st = ET.fromstring(z.read('xl/styles.xml'))
fmts = {int(f.get('numFmtId')): f.get('formatCode') for f in st.iter('{%s}numFmt' % ns['s'])}
xfs = [int(x.get('numFmtId', 0)) for x in st.find('s:cellXfs', ns).findall('s:xf', ns)]
def is_date(s):
    return s is not None and 'yy' in fmts.get(xfs[int(s)], '')
rows = []
for r in ET.fromstring(z.read('xl/worksheets/sheet1.xml')).iter('{%s}row' % ns['s']):
    cells = {}
    for c in r.findall('s:c', ns):
        col = re.match('[A-Z]+', c.get('r')).group(0)
        t = c.find('s:is/s:t', ns)
        v = c.find('s:v', ns)
        if t is not None:
            cells[col] = t.text or ''
        elif is_date(c.get('s')) and v is not None:   # a date: days since 1899-12-30
            cells[col] = str(datetime.date(1899, 12, 30) + datetime.timedelta(days=float(v.text)))
        elif v is not None:
            f = float(v.text)
            cells[col] = str(int(f)) if f == int(f) else str(f)
    rows.append([cells.get(k, '') for k in 'ABCDEFGH'[:int(sys.argv[2])]])
w = csv.writer(sys.stdout, lineterminator='\n')
for row in rows:
    w.writerow(row)
EOF
check 'xlsx: its cells equal the CSV export' 0 file:list.csv empty python3 cells.py list.xlsx 5
check '... a formula stays text' 0 'match:t="inlineStr"><is><t>=HYPERLINK' empty sh -c \
	'python3 -c "import zipfile; print(zipfile.ZipFile(\"list.xlsx\").read(\"xl/worksheets/sheet1.xml\").decode())"'
check '... the header bold and frozen' 0 'match:state="frozen"' empty sh -c \
	'python3 -c "import zipfile; print(zipfile.ZipFile(\"list.xlsx\").read(\"xl/worksheets/sheet1.xml\").decode())"'
check '... readable by its owner only' 0 'inline:600' empty stat -c %a list.xlsx
check '... _x0041_ written as Excel saves it, so that it reads as written' 0 \
	'match:<t>_x005F_x0041_ lit</t>' empty sh -c \
	'printf "顧客番号,氏名\nX1,_x0041_ lit\n" > x.csv && "$CRM" --db x.db -q import --source x x.csv &&
	"$CRM" --db x.db -q export --purpose analysis --ids x:X1 --columns name -o x.xlsx &&
	python3 -c "import zipfile; print(zipfile.ZipFile(\"x.xlsx\").read(\"xl/worksheets/sheet1.xml\").decode())"'
check '... needs a file' 2 empty 'match:--format xlsx writes a workbook: give it a file' \
	"$CRM" export --format xlsx

# Orders: money in units, a negative amount a number, in the workbook too.
printf '注文番号,顧客番号,注文日,商品名,金額\nA1,P1,2025-01-05,ペン,1500\nA1,P1,2025-01-05,返品,-300.5\nB1,P3,2025-02-01,本,=1+1\n' > orders.csv
"$CRM" -q import --source shop orders.csv 2> /dev/null
check '--kind orders: money in units, a return stays a number' 0 'inline:customer_key,order_key,amount,status
shop:P1,A1,1500,ok
shop:P1,A1,-300.5,returned' ignore \
	"$CRM" export --kind orders --columns customer_key,order_key,amount,status --where 'id = 1'
check '... recorded: the lines, and whose they were, once' 0 'inline:2|1' empty sqlite3 crm.db \
	'SELECT e.row_count, (SELECT count(*) FROM export_customers c WHERE c.export_id = e.id) FROM exports e ORDER BY e.id DESC LIMIT 1'
check '... in a workbook, amounts are numbers' 0 'inline:customer_key,order_key,amount
shop:P1,A1,1500
shop:P1,A1,-300.5' empty sh -c \
	'"$CRM" -q export --kind orders --columns customer_key,order_key,amount --where "id = 1" -o o.xlsx &&
	python3 cells.py o.xlsx 3'
check '... an order column is no customer column' 2 empty "match:--columns: 'email' is not a column of orders" \
	"$CRM" export --kind orders --columns email
check '--kind interactions' 0 'inline:customer_id,customer_key,at,kind,channel,subject,status,owner' ignore \
	"$CRM" export --kind interactions --purpose analysis

# The record of provision.
check 'every export is recorded: run, actor, purpose, filter, columns, rows' 0 \
	"inline:export|tester|marketing||prefecture = '東京都'|id,email|1" empty sh -c \
	'"$CRM" -q export --columns id,email --where "prefecture = '"'東京都'"'" > /dev/null &&
	sqlite3 crm.db "SELECT r.command, e.actor, e.purpose, e.recipient, e.filter, e.columns, e.row_count
		FROM exports e JOIN runs r ON r.id = e.run_id ORDER BY e.id DESC LIMIT 1"'
check '... and whose data it carried' 0 'inline:1' empty sqlite3 crm.db \
	'SELECT group_concat(customer_id) FROM export_customers WHERE export_id = (SELECT max(id) FROM exports)'
check '... crm log customer says who got it' 0 'match:export' ignore \
	"$CRM" log customer shop:P1 --format csv --no-pager
check 'a provision needs a recipient' 2 empty 'match:--purpose provision needs --recipient' \
	"$CRM" export --purpose provision
check '... which is recorded' 0 'inline:provision|Example Co.' ignore sh -c \
	'"$CRM" -q export --purpose provision --recipient "Example Co." --columns id,name > /dev/null &&
	sqlite3 crm.db "SELECT purpose, recipient FROM exports ORDER BY id DESC LIMIT 1"'
check 'an export cannot be reverted: its record stays' 1 empty \
	'match:^crm log: run [0-9]+ exported customer data: what went out cannot be taken back' sh -c \
	'"$CRM" log revert $(sqlite3 crm.db "SELECT max(run_id) FROM exports")'
check '... there' 0 'inline:1' empty \
	sqlite3 crm.db 'SELECT count(*) FROM exports WHERE recipient IS NOT NULL'
# A reader that stops early (crm export | head): the rows written before
# are recorded, in a run that failed (they were killed by SIGPIPE, and
# nothing was recorded). More than a pipe holds, so the write fails.
"$BENCH_GEN" --rows 3000 --seed 7 > many.csv || bail_out 'bench-gen failed'
"$CRM" --db many.db -q import --source gen --rejects /dev/null many.csv 2> /dev/null
check 'a reader that stops early: the export fails, and says what it recorded' 1 empty \
	'match:^crm export: the [0-9]+ rows that may have gone out are recorded as export 1 of run 2, which failed$' \
	sh -c '{ "$CRM" --db many.db export --purpose analysis; echo $? > rc; } | true; exit "$(cat rc)"'
check '... the run failed, the rows counted' 0 'match:^failed\|\{"exported":[1-9][0-9]*\}$' empty \
	sqlite3 many.db 'SELECT status, counts FROM runs WHERE id = 2'
check '... and the export holds each customer written' 0 'inline:1' empty sqlite3 many.db \
	"SELECT e.row_count > 0 AND e.row_count = (SELECT count(*) FROM export_customers c
		WHERE c.export_id = e.id) AND e.row_count = json_extract(r.counts, '\$.exported')
		FROM exports e JOIN runs r ON r.id = e.run_id WHERE e.id = 1"

# Choosing the customers: ids from a pipeline, SOURCE:KEY, merged records.
check '--ids - from crm segment show --ids' 0 'inline:id,name
3,山田 太郎
4,𠮷田 一郎' ignore sh -c \
	'"$CRM" segment show --where "id >= 3" --ids | "$CRM" export --ids - --columns id,name --purpose analysis'
check '--ids SOURCE:KEY and ids, each once' 0 'inline:id,name
2,'"'"'@SUM(A1)
3,山田 太郎' ignore "$CRM" export --ids shop:P3,2,3 --columns id,name --purpose analysis
check '... one that names no customer: an error with the line' 1 empty \
	'match:^crm export: ids.txt:2: no customer shop:P9' sh -c \
	'printf "1\nshop:P9\n" > ids.txt && "$CRM" export --ids ids.txt --purpose analysis'
printf 'pair,score,decision,a,b\n1,0,same,3,4\n' > same.csv
"$CRM" -q dedupe --decisions same.csv || bail_out 'dedupe --decisions failed'
check 'merged-away records are left out' 0 'inline:id
1
2
3' ignore "$CRM" export --columns id --purpose analysis
check '... unless --include-merged' 0 'inline:id
1
2
3
4' ignore "$CRM" export --columns id --purpose analysis --include-merged
check '... an id of one merged away is its survivor' 0 'inline:id
3' ignore "$CRM" export --ids 4 --columns id --purpose analysis

# Usage errors and bad input.
check 'two ways of choosing' 2 empty 'match:one of them' \
	"$CRM" export --segment dormant --where 'id > 1'
check 'an unknown column' 2 empty "match:^crm export: --columns: 'nmae' is not a column" \
	"$CRM" export --columns id,nmae
check 'a column twice' 2 empty 'match:--columns: name is named twice' \
	"$CRM" export --columns name,氏名
check '--mask of a column not exported' 2 empty "match:--mask: 'email' is not one of the columns" \
	"$CRM" export --columns id,name --mask email
check 'an encoding for json' 2 empty 'match:are for csv and tsv' \
	"$CRM" export --format json --encoding cp932
check 'a bad expression points at itself' 1 empty \
	"match:^crm export: expression, character 1: unknown field 'nmae'" \
	"$CRM" export --where "nmae = 'x'"
check '-o the database itself' 2 empty 'match:^crm export: -o .crm.db. is the database \(or a file of it\)' \
	"$CRM" export --purpose analysis -o crm.db
check '... nor its WAL' 2 empty 'match:is the database' "$CRM" export --purpose analysis -o crm.db-wal
check '... nor its journal, not there yet (the next open would delete it)' 2 empty \
	'match:is the database' "$CRM" export --purpose analysis -o ./crm.db-journal
assert '... which is not made' test ! -e crm.db-journal
check '-o a directory or a device' 2 empty 'match:is not a regular file' \
	"$CRM" export --purpose analysis -o /dev/null
check '-o - is standard output' 0 'match:^id,name$' ignore \
	"$CRM" export --purpose analysis --columns id,name -o -
check 'a workbook named .csv' 2 empty 'match:is a workbook with --format xlsx: name it .xlsx' \
	"$CRM" export --format xlsx -o list.csv
check 'csv named .xlsx' 2 empty 'match:Excel would not open it' \
	"$CRM" export --format csv -o list2.xlsx
check 'a blank recipient' 2 empty 'match:--recipient names who receives the data' \
	"$CRM" export --purpose provision --recipient '  '
check '--as-of without a segment' 2 empty 'match:--as-of is for --segment and --where' \
	"$CRM" export --as-of 2026-01-01
check '--as-of of a day that is not: a usage error naming the option' 2 empty \
	"match:^crm export: --as-of takes a date, YYYY-MM-DD, not '2026-13-01'" \
	"$CRM" export --where 'id >= 1' --as-of 2026-13-01
check '-o .xls: no CSV under an Excel name' 2 empty 'match:^crm export: -o list\.xls: crm writes workbooks as \.xlsx' \
	"$CRM" export --purpose analysis -o list.xls
assert '... and no file' test ! -e list.xls
check '--where twice' 2 empty 'match:--where is given once' "$CRM" export --where 'id > 1' --where 'id < 3'
check '--mask of a column that cannot be masked' 2 empty 'match:--mask: company cannot be masked' \
	"$CRM" export --columns id,company --mask company
check 'an empty column' 2 empty 'match:--columns: an empty column' "$CRM" export --columns id,,name
check 'a slip of a column' 2 empty "match:--columns: 'emial' is not a column of customers \(did you mean email\?\)" \
	"$CRM" export --columns emial
check '--ids reads back crm export --excel (a byte order mark, a header)' 0 'inline:id
1
2' ignore sh -c \
	'"$CRM" export --purpose analysis --columns id --where "id <= 2" --excel | "$CRM" export --ids - --columns id --purpose analysis'
check 'nothing matched: a note' 0 'inline:id' 'match:^crm export: no customer matched: the export is recorded, empty' \
	"$CRM" export --purpose analysis --columns id --where "prefecture = 'Tokyo'"
check 'a file that cannot be written: nothing recorded' 1 empty 'match:^crm export: ' sh -c \
	'n=$(sqlite3 crm.db "SELECT count(*) FROM exports"); "$CRM" export --purpose analysis -o nodir/x.csv;
	 rc=$?; [ "$(sqlite3 crm.db "SELECT count(*) FROM exports")" = "$n" ] || exit 9; exit $rc'
finish
