#!/bin/sh
# Every record in first (#14, deliver 0): postal codes are checked as the
# record's country writes them (a country column, --country for a file,
# Japan by default), so an Australian 4-digit postcode is no longer
# emptied as "not a Japanese postal code"; under --lenient a customer is
# anyone with a key and one value that tells who they are (a given name
# alone, an email alone, a birthdate), as record-linkage sets (FEBRL,
# Splink's) have them; without --lenient a name is still required. Import,
# its rules and cleanse agree on a record's country.
. "$SRCDIR/tests/cli/lib.sh"

plan 26

export CRM_USER=tester
have sqlite3 || bail_out 'sqlite3(1) is needed (README installs it)'

# FEBRL-like: Australian, no country column, a state that is no prefecture
# for some rows and empty for others, names left out on purpose.
cat > au.csv <<'CSV'
rec_id, given_name, surname, street_number, address_1, suburb, postcode, state, date_of_birth
rec-1-org, mitchell, green, 7, wallaby place, cleveland, 2119, sa, 19560409
rec-2-org, isabelle, , 23, gundulu place, utakarra, 2193, , 19921119
rec-3-org, , , 1, amaroo road, chester hill, 4811, nsw, 19250804
rec-4-org, hollie, lillie, 27, hemmings crescent, banyo, 4030, , 19251130
CSV

check 'by default a record is in Japan: a 4-digit postcode of a row with no state is refused' 3 empty \
	"match:^au.csv: 4 rows: 1 new, 0 updated, 0 unchanged, 3 rejected" \
	"$CRM" --db jp.db import --source febrl --rejects jp-rejects.csv au.csv
assert '... as not a Japanese postal code, and a nameless row for its name' \
	grep -q "'2193' is not a Japanese postal code" jp-rejects.csv
assert '... the name is required without --lenient (the message says so)' \
	grep -q 'no name: a customer needs a full name (氏名) or at least a family name (姓); --lenient takes less' jp-rejects.csv

check 'import --lenient --country AU takes every row whole' 0 empty \
	"match:^au.csv: 4 rows: 4 new, 0 updated, 0 unchanged, 0 rejected$" \
	"$CRM" --db au.db import --lenient --country AU --source febrl --rejects au-rejects.csv au.csv
check '... no postcode emptied, each stored with the country given (a name needs its family name)' 0 \
	'inline:rec-1-org|2119|AU|mitchell green
rec-2-org|2193|AU|
rec-3-org|4811|AU|
rec-4-org|4030|AU|hollie lillie' empty \
	sqlite3 au.db "SELECT s.source_key, c.postal_code, c.country, c.name FROM customers c
		JOIN source_records s ON s.customer_id = c.id ORDER BY s.source_key"
check '... and a re-import of the same file changes nothing' 0 empty \
	"match:^au.csv: 4 rows: 0 new, 0 updated, 4 unchanged, 0 rejected" \
	"$CRM" --db au.db import --lenient --country AU --source febrl --rejects au-rejects.csv au.csv
check 'cleanse --check finds no postal code against the rules in them' 3 \
	'not-match:postal_code' ignore "$CRM" --db au.db cleanse --check

# The country of each row, by its column: the shapes of the table, and any
# code of a country crm does not know.
cat > world.csv <<'CSV'
id,name,postal_code,country
1,A B,2000,Australia
2,C D,12345-6789,US
3,E F,SW1A 1AA,United Kingdom
4,G H,sw1a1aa,GB
5,I J,K1A 0B1,カナダ
6,K L,1234,Germany
7,M N,00100,Kenya
8,O P,〒100-0001,日本
9,Q R,100-0001,
10,S T,12345,豪州
11,U V,1234 AB,NLD
12,W X,999 99,Sweden
CSV
check 'postal codes are checked by the country column: the wrong shape is named with its country' 3 empty \
	'match:12 rows: 10 new, 0 updated, 0 unchanged, 2 rejected' \
	"$CRM" --db w.db import --source w --rejects w-rejects.csv world.csv
check '... a German code of 4 digits and an Australian one of 5 are refused, saying how they are written' 0 \
	"inline:7|'1234' is not a postal code of DE: they are written 99999 (9 a digit, A a letter, X either)
11|'12345' is not a postal code of AU: they are written 9999 (9 a digit, A a letter, X either)" empty \
	sqlite3 -cmd ".import --csv w-rejects.csv r" w.db \
	"SELECT line, substr(reason, instr(reason, char(39))) FROM r ORDER BY line + 0"
check '... the others are stored as written; a Japanese one is written NNN-NNNN' 0 \
	'inline:1|2000
2|12345-6789
3|SW1A 1AA
4|sw1a1aa
5|K1A 0B1
7|00100
8|100-0001
9|100-0001
11|1234 AB
12|999 99' empty \
	sqlite3 w.db "SELECT s.source_key, c.postal_code FROM customers c
		JOIN source_records s ON s.customer_id = c.id ORDER BY s.source_key + 0"

# A state that is no prefecture and no country: a record from elsewhere,
# for import's check, its rules and cleanse alike (cleanse took it for
# Japan and listed the code as a violation).
printf 'id,name,postcode,state\n1,Ann Lee,4030,nsw\n2,Bob Ray,2119,sa\n' > states.csv
check 'a state that is no prefecture: its postcode is taken, and no rule counts it against' 0 empty \
	'not-match:against the rules' \
	"$CRM" --db st.db import --source st --rejects st-rejects.csv states.csv
check '... and cleanse --check agrees' 0 'inline:customer,key,name,field,value,problem' ignore \
	"$CRM" --db st.db cleanse --check
"$CRM" --db st2.db -q import --no-cleanse --source st --rejects st-rejects.csv states.csv
check '... as does cleanse of the same values imported as written' 0 empty \
	'match:0 changed \(0 values\); 0 violations$' "$CRM" --db st2.db cleanse

# --lenient: a customer is anyone with a key and one value telling who.
cat > thin.csv <<'CSV'
unique_id,first_name,surname,dob,city,email,gender
1,Robert,,1971-06-24,,,
2,,,,,robert255@smith.net,
3,,,1978-05-01,Southend-on-Sea,,
4,,,,London,,M
5,,Allen,,,,
CSV
check 'without --lenient a given name, an email or a birthdate alone is no customer' 3 empty \
	'match:5 rows: 1 new, 0 updated, 0 unchanged, 4 rejected' \
	"$CRM" --db thin0.db import --source fake --rejects thin0.csv thin.csv
check 'with --lenient each is one; a city and a gender alone still tell no one' 3 empty \
	'match:5 rows: 4 new, 0 updated, 0 unchanged, 1 rejected' \
	"$CRM" --db thin.db import --lenient --source fake --rejects thin-rejects.csv thin.csv
assert '... which the rejects file says, naming what would do' \
	grep -q '^thin.csv,5,,,"nothing tells who the customer is: it needs a name, a kana reading, a company, an email, a phone, a birthdate or an address",' thin-rejects.csv
check '... and the customers are those rows' 0 \
	'inline:1|Robert|||1971-06-24
2|||robert255@smith.net|
3||||1978-05-01
5||Allen||' empty \
	sqlite3 thin.db "SELECT s.source_key, c.given_name, c.family_name, c.email, c.birthdate
		FROM customers c JOIN source_records s ON s.customer_id = c.id ORDER BY 1"

check '--country with no value is a usage error' 2 empty 'match:--country needs a country' \
	"$CRM" --db u.db import --country '' --source x au.csv
assert '... that created no database' test ! -e u.db
check '--country of a country crm knows no postal codes of: a note, codes stored as written' 0 \
	empty 'match:^crm import: --country Narnia: crm knows no postal code format of it' \
	"$CRM" --db n.db import --lenient --country Narnia --source febrl --rejects n-rejects.csv au.csv
check '... and stored with that country' 0 'inline:4|Narnia' empty \
	sqlite3 n.db "SELECT count(*), group_concat(DISTINCT country) FROM customers"
check 'a country column value wins over --country' 3 empty ignore \
	"$CRM" --db wc.db import --country AU --source w --rejects wc-rejects.csv world.csv
check '... (so a Japanese code of a row with no country is refused; the Australian of 5 digits, the German of 4 too)' 0 'inline:7
10
11' empty sqlite3 -cmd ".import --csv wc-rejects.csv r" wc.db "SELECT line FROM r ORDER BY line + 0"
check '--help lists --country' 0 'match:--country <country>' empty "$CRM" import --help

# A prefecture in romaji, or Japan by another name, is Japan: the phone
# and the postal code are checked as Japan's, not stored unchecked.
printf 'id,name,postcode,prefecture,country,phone\n1,Taro Yamada,12345,Tokyo,,03-1234-5678\n2,Hanako Sato,100-0001,Osaka-fu,,03-1234-567\n3,Jiro Ito,12345,,Nihon,\n4,Ann Lee,4030,nsw,,\n' > romaji.csv
check 'a prefecture in romaji or Japan by another name: Japan'\''s checks apply' 3 empty \
	'match:4 rows: 1 new, 0 updated, 0 unchanged, 3 rejected' \
	"$CRM" --db ro.db import --source ro --rejects ro-rejects.csv romaji.csv
check '... the postal code, the phone, the postal code; nsw stays elsewhere' 0 'inline:2|郵便番号
3|phone
4|郵便番号' empty \
	sqlite3 -cmd ".import --csv ro-rejects.csv r" ro.db "SELECT line, CASE WHEN reason LIKE '%phone%' OR reason LIKE '%電話%' THEN 'phone' ELSE '郵便番号' END FROM r ORDER BY line + 0"

finish
