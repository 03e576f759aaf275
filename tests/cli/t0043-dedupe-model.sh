#!/bin/sh
# crm dedupe's model between runs (#14). A second dedupe, after --apply
# merged the duplicates, found no duplicates left to learn from: EM called
# namesakes and families the match, and proposed merging them (on 200,000
# generated customers, 79,313 of them). --apply saves the model it fitted
# (dedupe_models); a later run that learns nothing but namesakes scores
# with it, and --since scores the night's customers with it, comparing
# only the blocks they are in.
. "$SRCDIR/tests/cli/lib.sh"

plan 27

export CRM_USER=tester

"$BENCH_GEN" --rows 20000 --seed 14 --hard-rate 0.05 > gen.csv || bail_out 'bench-gen failed'
# Exit 3: bench-gen's bad rows are rejected.
"$CRM" -q import --source gen --rejects /dev/null gen.csv 2> /dev/null
[ $? -eq 3 ] || bail_out 'import failed'
cp crm.db fresh.db

check '--apply merges the duplicates and fits the model on them' 0 ignore \
	'match:^crm dedupe: model: [0-9]+ patterns, [0-9]+ EM iterations, [0-9.]+% of the pairs matches$' \
	"$CRM" dedupe --apply
assert '... and saves it in its run' \
	test "$(sqlite3 crm.db 'SELECT run_id, customers FROM dedupe_models')" = '2|19821'
check 'a second dedupe merges no one: the duplicates are gone, namesakes stay apart' 0 \
	'not-match:,merge$' 'match:^crm dedupe: 0 clusters to merge \(0 customers\)' \
	"$CRM" dedupe --format csv
check '... scored with the saved model, as EM found only namesakes and families' 0 ignore \
	'match:^crm dedupe: model: the one run 2 fitted on 19,821 customers \([0-9,]+ pairs\)$' \
	"$CRM" dedupe --format csv
check '... and a second --apply saves no model of its own' 0 ignore \
	'match:^crm dedupe: 0 customers merged' "$CRM" dedupe --apply
assert '... (one model, still)' test "$(sqlite3 crm.db 'SELECT count(*) FROM dedupe_models')" = 1

# Without a saved model, a strict one: still no one merged.
cp crm.db strict.db
sqlite3 strict.db 'DELETE FROM dedupe_models' || bail_out 'sqlite3 failed'
check 'no saved model either: a strict one, and no namesake merged' 0 'not-match:,merge$' \
	'match:^crm dedupe: model: no duplicates to learn from \(EM found only families or namesakes, [0-9]+ times\): strict' \
	"$CRM" --db strict.db dedupe --format csv
check '... which --apply does not save: it learned nothing' 0 ignore \
	'match:^crm dedupe: 0 customers merged' "$CRM" --db strict.db dedupe --apply
assert '... (no model)' test "$(sqlite3 strict.db 'SELECT count(*) FROM dedupe_models')" = 0

# A saved row that is not a model of these fields is not used.
cp crm.db other.db
sqlite3 other.db "UPDATE dedupe_models SET fields = '{\"family_name\": [[0, 0], [\"a\", 1]]}'" ||
	bail_out 'sqlite3 failed'
check 'a saved model of other fields (or hand edited) is not used' 0 ignore \
	'not-match:the one run' "$CRM" --db other.db dedupe --format csv
sqlite3 other.db "UPDATE dedupe_models SET fields = '{\"family_name\": [[0, 0], [0, 0.5]]}'"
check '... nor one with a probability of 0' 0 ignore 'match:^crm dedupe: model: no duplicates to learn' \
	"$CRM" --db other.db dedupe --format csv
cp crm.db prior.db
sqlite3 prior.db "UPDATE dedupe_models SET prior = 'x'" || bail_out 'sqlite3 failed'
check '... nor one whose prior is not a number (read as 0, even odds, it would merge namesakes)' 0 \
	'not-match:,merge$' 'match:^crm dedupe: model: no duplicates to learn' \
	"$CRM" --db prior.db dedupe --format csv


# The night's customers: C0000100 again, under another source's key.
{ head -n 1 gen.csv; grep '^C0000100,' gen.csv | sed 's/^C0000100,/N0000001,/'; } > night.csv
"$CRM" -q import --source night --rejects /dev/null night.csv || bail_out 'import failed'
night=$("$CRM" log --format csv | awk -F, 'NR == 2 { print $1 }')
check '--since: the night'\''s customer found with the one it repeats' 0 \
	'match:^1,[0-9]+,night:N0000001,.*,merge$' \
	'match:^crm dedupe: model: the one run 2 fitted on 19,821 customers' \
	"$CRM" dedupe --since "$night" --format csv
# older DB LEVELS PATHS LEVEL BORN: a copy of the model as saved before a
# birthdate level came (PATHS the levels json_remove drops, LEVELS how many
# are left): --since still uses it, and its "different" (level LEVEL-1 of
# it) weighs a pair born 1980-01-01 and BORN as it did, at level LEVEL.
older()
{
	cp crm.db "$1"
	sqlite3 "$1" "UPDATE dedupe_models SET fields = json_remove(fields, $3)" ||
		bail_out 'sqlite3 failed'
	check "a model saved with $2 birthdate levels is still the one --since uses" 0 \
		'match:^1,[0-9]+,night:N0000001,.*,merge$' \
		'match:^crm dedupe: model: the one run 2 fitted on 19,821 customers' \
		"$CRM" --db "$1" dedupe --since "$night" --format csv
	last=$(($2 - 1))
	check "... its \"different\" weighing a pair born 1980-01-01 and $5 ($4), as it did" 0 \
		"match:^birthdate,19800101,$(echo "$5" | tr -d -),$4,$(sqlite3 "$1" "SELECT printf('%f,%f', json_extract(fields, '\$.birthdate[$last][0]'), json_extract(fields, '\$.birthdate[$last][1]')) FROM dedupe_models")," \
		empty sh -c 'printf "key,name,birthdate\nY1,矢野 一,1980-01-01\nY2,矢野 一,$2\n" |
			"$1" --db "$3" -q import --source y - && "$1" --db "$3" dedupe --since 1 --explain y:Y1,y:Y2 --format csv' \
		sh "$CRM" "$5" "$1"
}
# Saved before "within a year" (missing, exact, close, different), and
# before "within ten years" (then within a year, different).
older older.db 4 "'\$.birthdate[4]', '\$.birthdate[3]'" 'within a year' 1980-08-15
older old5.db 5 "'\$.birthdate[4]'" 'within ten years' 1985-08-15
check '... comparing the pairs of its blocks alone, not every pair' 0 ignore \
	'match:^crm dedupe: [0-9,]+ customers \(1 added or changed since run [0-9]+\), [0-9]{1,3} pairs compared' \
	"$CRM" dedupe --since "$night" --format csv
check '... and --apply --since merges it, saving no model' 0 ignore \
	'match:^crm dedupe: 1 customers merged into 1' "$CRM" dedupe --apply --since "$night"
assert '... (one model, still)' test "$(sqlite3 crm.db 'SELECT count(*) FROM dedupe_models')" = 1

# Undoing the run that fitted the model removes it.
"$CRM" --db fresh.db -q dedupe --apply > /dev/null 2>&1 || bail_out 'dedupe failed'
check 'revert of the run that saved a model' 0 ignore ignore "$CRM" --db fresh.db log revert 2
assert '... removes the model' test "$(sqlite3 fresh.db 'SELECT count(*) FROM dedupe_models')" = 0
check '... so --since fits one on every pair, and says so' 0 ignore \
	'match:^crm dedupe: model: none saved of these fields' \
	"$CRM" --db fresh.db dedupe --since 1 --format csv
check '... and --apply --since saves the one it fitted' 0 ignore \
	'match:^crm dedupe: model: none saved of these fields' \
	"$CRM" --db fresh.db dedupe --apply --since 1
assert '... for the next night' test "$(sqlite3 fresh.db 'SELECT count(*) FROM dedupe_models')" = 1

# Another night: a 佐藤 俊介 with nothing but the postal code of 林 俊介.
{ head -n 1 gen.csv; echo 'N0000003,佐藤 俊介,さとう しゅんすけ,,,,,,1589266,,,,,'; } > given.csv
"$CRM" --db fresh.db -q import --source night2 --rejects /dev/null given.csv || bail_out 'import failed'
night2=$("$CRM" --db fresh.db log --format csv | awk -F, 'NR == 2 { print $1 }')
"$CRM" --db fresh.db dedupe --since "$night2" --review-threshold -1000 --format csv > night2.csv 2>/dev/null
assert '--since: a given name with the postal code is a block of the night'\''s: 佐藤 俊介 compared with 林 俊介' \
	awk -F, '$3 == "gen:C0000100" { c[$1] = 1 } $3 == "night2:N0000003" && ($1 in c) { found = 1 }
		END { exit !found }' night2.csv
# And the next: 林 俊介 with the name the other way round, and the postal code alone besides.
{ head -n 1 gen.csv; echo 'N0000002,俊介 林,しゅんすけ はやし,,,,,,1589266,,,,,'; } > swapped.csv
"$CRM" --db fresh.db -q import --source night3 --rejects /dev/null swapped.csv || bail_out 'import failed'
night3=$("$CRM" --db fresh.db log --format csv | awk -F, 'NR == 2 { print $1 }')
check '... and a name in the other'\''s column meets its person, in the merge band' 0 \
	'match:^[0-9]+,[0-9]+,gen:C0000100,林 俊介,[-0-9.]+,merge$' ignore \
	"$CRM" --db fresh.db dedupe --since "$night3" --format csv
finish
