#!/bin/sh
# crm dedupe --decisions (#14): the review file a person filled in comes
# back; its 'same' pairs are merged, its 'different' pairs are never
# proposed again (nor clustered together through a third customer); a
# file with one bad line changes nothing and names the line; Excel's
# CP932 save and Japanese words are read; a revert takes it all back; an
# erasure takes the person's decisions.
. "$SRCDIR/tests/cli/lib.sh"

plan 33

export CRM_USER=tester
have sqlite3 || bail_out 'sqlite3(1) is needed (README installs it)'
have iconv || bail_out 'iconv(1) is needed'
data=$SRCDIR/tests/data/dedupe

"$CRM" -q import --source shop "$data/people.csv" ||
	bail_out 'import of people.csv failed'
"$CRM" -q import --source fair --map kana=name_kana --map tel=phone --map zip=postal_code \
	--map pref=prefecture "$data/fair.csv" || bail_out 'import of fair.csv failed'
"$CRM" -q import --source crm "$data/others.csv" || bail_out 'import of others.csv failed'
# The report goes to stdout: kept off the TAP stream.
"$CRM" -q dedupe --review-file review.csv > /dev/null || bail_out 'dedupe --review-file failed'

decisions() { sqlite3 crm.db 'SELECT customer_id, other_id, decision FROM dedupe_decisions ORDER BY id'; }
state()
{
	dump_tables
	echo '== dedupe_decisions'
	sqlite3 -cmd '.mode quote' crm.db 'SELECT * FROM dedupe_decisions ORDER BY id'
}

# The father and the son (4, 11) were proposed for review: a person says different.
sed '2s/^\([0-9]*,[0-9.-]*\),,/\1,different,/' review.csv > different.csv
state > before.txt
check 'the review file with "different" filled in is taken back' 0 empty \
	'match:^crm dedupe: different.csv: 0 same, 1 different, 0 undecided$' \
	"$CRM" dedupe --decisions different.csv
check '... recorded for both customers, in the run' 0 'inline:4|11|different
11|4|different' empty decisions
check '... and the pair is not proposed again' 0 'not-match:review' \
	'match:0 pairs to review; 1 pair left out, decided different$' "$CRM" dedupe --format csv
check '... --explain says why' 0 'match:^decision,,,different,,,\+0.00$' empty \
	"$CRM" dedupe --explain 4,11 --format csv
check '... and its total is no band' 0 'match:^total,,,none,' empty \
	"$CRM" dedupe --explain 4,11 --format csv
check 'the same file again changes nothing' 0 empty 'match:0 decisions recorded$' \
	"$CRM" dedupe --decisions different.csv
run=$(sqlite3 crm.db "SELECT max(id) FROM runs WHERE command = 'dedupe'")
"$CRM" -q log revert "$((run - 1))"
state > reverted.txt
check 'crm log revert of the decisions run takes them back' 0 empty empty \
	cmp before.txt reverted.txt

# A pair of the merge band decided different: not merged, nor clustered.
printf 'a,b,decision\n1,8,different\n' > apart.csv
"$CRM" -q dedupe --decisions apart.csv
check 'a merge-band pair decided different is not merged' 0 'not-match:^[0-9]+,(1|8),' \
	ignore "$CRM" dedupe --format csv
"$CRM" -q dedupe --apply --format csv > /dev/null
check '... and --apply leaves both customers' 0 'inline:0' empty \
	sqlite3 crm.db 'SELECT count(*) FROM customers WHERE id IN (1, 8) AND merged_into IS NOT NULL'

# Same: merged, in Japanese, from Excel's CP932 save as TSV.
printf 'pair\tscore\tdecision\ta\tb\n1\t9.0\t同一\t4\t11\n2\t1.0\t\t2\t9\n' |
	iconv -f UTF-8 -t CP932 > same-cp932.tsv
check '同一 in a CP932 TSV merges the pair; an empty decision waits' 0 empty \
	'match:^crm dedupe: same-cp932.tsv: 1 same, 0 different, 1 undecided$' \
	"$CRM" dedupe --decisions same-cp932.tsv
check '... customer 11 is merged into 4' 0 'inline:4' empty \
	sqlite3 crm.db 'SELECT merged_into FROM customers WHERE id = 11'
check '... its source record points to the survivor' 0 'inline:4' empty \
	sqlite3 crm.db "SELECT customer_id FROM source_records WHERE source_key = 'F04'"
check '... and the decision is recorded' 0 'match:^4\|11\|same$' empty decisions
check 'a same pair already one customer is said so' 0 empty \
	'match:1 same pair is already one customer' "$CRM" dedupe --decisions same-cp932.tsv

# Files with a bad line change nothing, and name the line.
state > before.txt
bad()
{
	_desc=$1 _want=$2
	shift 2
	printf "$@" > bad.csv
	check "$_desc" 1 empty "match:^crm dedupe: bad.csv:$_want" "$CRM" dedupe --decisions bad.csv
}
bad 'a decision that is neither same nor different' "3: decision 'maybe'" \
	'a,b,decision\n5,12,same\n5,13,maybe\n'
bad 'a pair decided both ways' "3: customers 5 and 12 are 'different' here, 'same' on line 2" \
	'a,b,decision\n5,12,same\n12,5,different\n'
bad 'different for two customers merged into one' "2: customers 4 and 11 are 'different', but they were merged" \
	'a,b,decision\n4,11,different\n'
bad "different for two customers the file's same pairs join" "4: customers 5 and 7 are 'different', but the file's 'same' pairs join" \
	'a,b,decision\n5,12,same\n12,7,same\n5,7,different\n'
bad 'a customer number that is none' "2: a and b must be customer numbers, not 'x' and '12'" \
	'a,b,decision\nx,12,same\n'
bad 'a pair of one customer' '2: a and b are one customer \(5\)' 'a,b,decision\n5,5,same\n'
bad 'no column b' "1: no column 'b'" 'a,decision\n5,same\n'
bad 'a line too short for the columns' '2: the line has 2 fields' 'a,b,decision\n5,12\n'
bad 'a malformed CSV line' '2:' 'a,b,decision\n5,"12,same\n'
state > after.txt
check '... and none of them changed anything' 0 empty empty cmp before.txt after.txt
check 'an empty file is an error' 1 empty 'match:empty.csv: empty' sh -c \
	': > empty.csv; "$CRM" dedupe --decisions empty.csv'
check 'a file that is not there is an error' 1 empty 'match:cannot open none.csv' \
	"$CRM" dedupe --decisions none.csv

# --dry-run, and usage.
printf 'a,b,decision\n3,10,same\n' > dry.csv
check '--dry-run shows the merge and rolls it back' 0 empty \
	'match:^crm dedupe: dry run: 1 decision recorded, 1 customer merged into 1 ' \
	"$CRM" dedupe --decisions dry.csv --dry-run
state > after.txt
check '... nothing changed' 0 empty empty cmp before.txt after.txt
check '--decisions with --apply is a usage error' 2 empty 'match:drop --apply' \
	"$CRM" dedupe --decisions dry.csv --apply
check '--decisions with --explain is a usage error' 2 empty 'match:drop --explain' \
	"$CRM" dedupe --decisions dry.csv --explain 1,2

# Same pairs sharing a customer are one group, merged into one survivor.
printf 'a,b,decision\n10,6,same\n3,10,same\n' > group.csv
check 'same pairs sharing a customer merge all three into the oldest' 0 'inline:6|3
10|3' empty sh -c '"$CRM" -q dedupe --decisions group.csv &&
	sqlite3 crm.db "SELECT id, merged_into FROM customers WHERE id IN (3, 6, 10) AND merged_into IS NOT NULL ORDER BY id"'

# Erasure: the person's decision rows go with them.
"$CRM" -q log forget 8 --reason 'test' || bail_out 'forget failed'
check 'an erased customer takes their decision rows' 0 'inline:0' empty \
	sqlite3 crm.db 'SELECT count(*) FROM dedupe_decisions WHERE customer_id = 8'
check '... a decisions file naming them is skipped, and said so' 0 empty \
	'match:1 pair naming a customer no longer there \(erased\) skipped' \
	"$CRM" dedupe --decisions apart.csv
finish
