#!/bin/sh
# crm segment (#16): every operator and every derived field on six
# hand-made customers as of 2026-12-01; count equals the rows of show
# for every built-in and 20 random expressions; injection attempts and
# other bad expressions are errors with the position that change
# nothing; saved segments (create, replace, drop, revert), snapshots and
# diff (merges followed), a campaign's effect, and lint.
. "$SRCDIR/tests/cli/lib.sh"

plan 141

export CRM_USER=tester
have sqlite3 || bail_out 'sqlite3(1) is needed (README installs it)'
data=$SRCDIR/tests/data/segment

"$CRM" -q init || bail_out 'init failed'
"$CRM" -q import --source shop "$data/customers.csv" || bail_out 'import of customers.csv failed'
"$CRM" -q import --source shop "$data/orders.csv" || bail_out 'import of orders.csv failed'
"$CRM" -q import --source shop --kind interactions "$data/interactions.csv" ||
	bail_out 'import of interactions.csv failed'

AS_OF=2026-12-01
# ids DESC IDS EXPR: ... exactly these (space-separated)
ids()
{
	check "$1" 0 "inline:$2" ignore sh -c \
		'"$CRM" segment show --ids --as-of "$1" --where "$2" | paste -s -d " " -' \
		sh "$AS_OF" "$3"
}

# Every operator and derived field: the cases of cases.txt (their SQL is
# inspected by tests/unit/test-segment.c). Text: = != <> in, not in,
# contains, is empty, values as import stores them; yes/no fields; numbers
# (C2 turns 31 on 12-31, C4 was born on 29 February); logic; orders (A7 of
# 12-05 is later than the as-of day, A5 a return, C100 a cancellation).
while IFS='|' read -r desc want expr; do
	case $desc in '#'*) continue ;; esac
	ids "$desc" "$want" "$expr"
done < "$data/cases.txt"
check '--as-of moves today: C2 is 31 on 2026-12-31' 0 'inline:1' empty \
	"$CRM" segment count --as-of 2026-12-31 --where 'age = 31'
check 'show: id, source_key, name and each field named, money in units' 0 \
	'inline:id,source_key,name,total_spent,days_since_last_order
2,shop:C2,鈴木花子,30000,913
3,shop:C3,佐藤次郎,0,365
5,shop:C5,高橋健,0,1369' 'inline:crm segment: 3 customers match as of 2026-12-01' \
	"$CRM" segment show --as-of $AS_OF --format csv --where 'total_spent < 50000 and days_since_last_order >= 365'
check 'the built-in dormant' 0 'inline:2
3
5' 'inline:crm segment: 3 customers in dormant as of 2026-12-01' \
	"$CRM" segment show dormant --ids --as-of $AS_OF
check 'fields lists them with their types' 0 'match:^days_since_last_order,number,' empty \
	"$CRM" segment fields --format csv

check 'a segment of RFM fields before any scores are saved: a warning' 0 empty \
	'match:^crm segment: warning: no RFM scores are saved yet: rr can be evaluated once' \
	"$CRM" segment create rr 'r = 3' --dry-run

# RFM fields: the latest saved scores.
check 'RFM fields without saved scores: an error that says what to do' 1 empty \
	'match:segment comes from the saved RFM scores, and none were saved as of 2026-12-01 or before: run crm rfm --save' \
	"$CRM" segment count champions --as-of $AS_OF
# Scores as of 2026-12-02 (the lines of 12-01 and before): later ones would
# not be the scores of 12-01.
"$CRM" -q rfm --save --format csv > /dev/null || bail_out 'crm rfm --save failed'
check '... nor later ones' 1 empty 'match:none were saved as of 2026-12-01 or before' \
	"$CRM" segment count champions --as-of $AS_OF
"$CRM" -q rfm --save --as-of 2026-12-02 --format csv > /dev/null || bail_out 'crm rfm --save failed'
rfm_count() { sqlite3 crm.db "SELECT count(*) FROM rfm_scores WHERE run_id = (SELECT max(run_id) FROM rfm_scores) AND $1"; }
check 'the scores of the day: r > 5 can never match, of 5 bins' 0 empty \
	'match:^crm segment: warning: high can never match: no value of r is in the range asked for \(with the RFM scores of run [0-9]+, of 5 bins\)$' \
	"$CRM" segment create high 'r > 5' --dry-run
check 'r, f, m, recency, frequency, monetary, segment: as saved' 0 \
	"inline:$(rfm_count 'r_score = 5') $(rfm_count 'f_score >= 3') $(rfm_count 'm_score < 3') $(rfm_count 'recency_days > 100') $(rfm_count 'frequency = 1') $(rfm_count 'monetary >= 100000000') $(rfm_count "segment = 'Champions'")" \
	empty sh -c 'for e in "r = 5" "f >= 3" "m < 3" "recency > 100" "frequency = 1" "monetary >= 10000" "segment = '"'Champions'"'"; do
		"$CRM" segment count --as-of 2026-12-01 --where "$e" || exit 1; done | paste -s -d " " -'

# A baseline saved afterwards for an earlier day (for rfm --compare): the
# scores of the day nearest, not of the run saved last, still count.
before=$("$CRM" segment show --ids --as-of 2026-12-01 --where 'r = 5 or segment = '"'Champions'"'' 2> /dev/null |
	paste -s -d ' ' -)
"$CRM" -q rfm --save --as-of 2026-01-15 --format csv > /dev/null || bail_out 'crm rfm --save failed'
check 'a baseline saved later for an earlier day: the scores of the day still count' 0 \
	"inline:$before" ignore sh -c '"$CRM" segment show --ids --as-of 2026-12-01 --where "r = 5 or segment = '"'Champions'"'" | paste -s -d " " -'
check '... the baseline on its own day' 0 'match:^[0-9]+$' empty \
	"$CRM" segment count champions --as-of 2026-01-15
"$CRM" -q log revert "$(sqlite3 crm.db 'SELECT max(run_id) FROM rfm_snapshots')" ||
	bail_out 'revert of the baseline failed'

# count equals the rows of show: every built-in, and 20 random expressions.
same_count()
{
	n=$("$CRM" segment count --as-of $AS_OF "$@") || return 1
	rows=$("$CRM" segment show --as-of $AS_OF --format csv "$@" | sed 1d | wc -l) || return 1
	ids=$("$CRM" segment show --as-of $AS_OF --ids "$@" | wc -l) || return 1
	[ "$n" -eq "$rows" ] && [ "$n" -eq "$ids" ] && return 0
	echo "$*: count $n, show $rows rows, $ids ids"
	return 1
}
builtins()
{
	names=$("$CRM" segment list --format csv | awk -F, '$2 == "built-in" { print $1 }')
	[ "$(echo "$names" | wc -l)" -eq 12 ] || { echo "built-ins: $names"; return 1; }
	for b in $names; do same_count "$b" || return 1; done
}
assert 'count = rows of show, for each of the 12 built-ins' builtins
random_exprs()
{
	awk 'BEGIN { srand(16)
		a[1] = "prefecture = '"'"'東京都'"'"'"; a[2] = "age >= 30"; a[3] = "consent_email"
		a[4] = "days_since_last_order > 300"; a[5] = "total_spent > 1000"
		a[6] = "orders in (0, 2)"; a[7] = "name contains '"'"'田'"'"'"; a[8] = "email is empty"
		a[9] = "last_order < today - 1y"; a[10] = "r >= 3"; a[11] = "segment != '"'"'Lost'"'"'"
		a[12] = "birthdate is not empty"; a[13] = "gender = '"'"'女'"'"'"; a[14] = "m <= 2"
		for (i = 0; i < 20; i++) {
			e = a[int(rand() * 14) + 1]
			for (k = int(rand() * 4); k > 0; k--) {
				t = a[int(rand() * 14) + 1]
				if (rand() < 0.3) t = "not " t
				e = (rand() < 0.5) ? "(" e ") and " t : e " or " t
			}
			print e
		} }'
}
random_same()
{
	random_exprs > exprs.txt
	[ "$(wc -l < exprs.txt)" -eq 20 ] || return 1
	while IFS= read -r e; do same_count --where "$e" || return 1; done < exprs.txt
}
assert 'count = rows of show, for 20 random expressions' random_same

# Bad expressions: errors with the position, and nothing changes.
state() { dump_tables; sqlite3 crm.db 'SELECT count(*) FROM runs; SELECT * FROM segments'; }
state > before.txt
check "injection: '; drop table customers; --" 1 empty \
	'inline:crm segment: expression, character 1: a string is not closed: '"'"' at its end is missing' \
	"$CRM" segment count --where "'; drop table customers; --"
check "... prefecture = ''; drop table customers; --" 1 empty \
	"match:^crm segment: expression, character 16: ';' is not part of an expression" \
	"$CRM" segment show --where "prefecture = ''; drop table customers; --"
check '... as a saved segment' 1 empty 'match:character 16' \
	"$CRM" segment create x "prefecture = ''; drop table customers; --"
check '... name = name' 1 empty \
	'inline:crm segment: expression, character 8: compare name with a value, not with the field name' \
	"$CRM" segment count --where 'name = name'
check '... an unknown field' 1 empty \
	"inline:crm segment: expression, character 24: unknown field 'nmae' (did you mean name?)" \
	"$CRM" segment count --where "prefecture = '東京都' and nmae contains '山田'"
check '... an unclosed parenthesis' 1 empty \
	"inline:crm segment: expression, character 1: this '(' is not closed" \
	"$CRM" segment count --where '(age > 3 and (age < 9)'
check '... one too many' 1 empty "inline:crm segment: expression, character 8: ')' closes no '('" \
	"$CRM" segment count --where 'age > 3))'
deep()
{
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "("; printf "age > 3"
		for (i = 0; i < n; i++) printf ")"; print "" }'
}
check '... 10,000 deep' 1 empty \
	'inline:crm segment: expression, character 66: nested more than 64 deep' \
	"$CRM" segment count --where "$(deep 10000)"
check '... 64 deep, as the man page allows' 0 'match:^[0-9]+$' empty \
	"$CRM" segment count --as-of 2026-12-01 --where "$(deep 64)"
awk 'BEGIN { for (i = 0; i < 70000; i++) printf "age > 3 and "; print "age > 3" }' > big.txt
check '... 1 MB, from standard input' 1 empty \
	'match:^crm segment: expression, character 65537: an expression is at most 65536 bytes, this one is 840008$' \
	sh -c '"$CRM" segment create big - < big.txt'
check '... a type error' 1 empty \
	"inline:crm segment: expression, character 7: age is a number: compare it with a number, not 'thirty'" \
	"$CRM" segment count --where "age = 'thirty'"
check '... an empty one' 1 empty 'match:an empty expression' "$CRM" segment count --where ''
deep_or()
{
	awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "(age > 2 or (age < 3 and "
		printf "age > 1"; for (i = 0; i < n; i++) printf "))"; print "" }'
}
check '... nested deeper than the database parses' 1 empty \
	'inline:crm segment: the expression nests too deeply for the database: use fewer levels of parentheses and not' \
	sh -c 'echo "$1" | "$CRM" segment create deep -' sh "$(deep_or 20)"
check '... of the same kind is one level: 5,000 ors' 0 'inline:5' empty sh -c \
	'awk "BEGIN { for (i = 0; i < 4999; i++) printf \"age > 1 or \"; print \"age > 1\" }" |
	 "$CRM" segment count --where -'
check '... not UTF-8' 1 empty 'match:character 15: a byte that is not UTF-8 \(0xff\)' \
	sh -c 'printf "prefecture = '"'"'\377'"'"'" | "$CRM" segment count --where -'
check '... a byte order mark from Notepad is not part of it' 0 'inline:3' empty \
	sh -c 'printf "\357\273\277prefecture = '"'"'東京都'"'"'\r\n" | tr -d "\r" | "$CRM" segment count --where -'
check '... and nothing changed' 0 file:before.txt empty state
check '... unquoted Japanese: quote it' 1 empty \
	"inline:crm segment: expression, character 8: '山田' is not quoted: text is quoted ('山田'), and field names are in English (crm segment fields)" \
	"$CRM" segment count --where 'name = 山田'
check '... 円: a number' 1 empty 'match:money is written as a number, without 円 or ¥' \
	"$CRM" segment count --where 'total_spent > 5000円'
check 'a value as import reads it: 可 is yes, spaces around are not part of it' 0 'inline:1 4 5' \
	ignore sh -c '"$CRM" segment show --ids --where "consent_email = '"'可'"' and prefecture != '"' 北海道 '"' or id = 4" | paste -s -d " " -'
check 'an expression from standard input' 0 'inline:3' empty \
	sh -c 'echo "prefecture = '"'"'東京都'"'"'" | "$CRM" segment count --where -'

# Usage errors
check 'no command' 2 empty 'match:^crm segment: which segment command\?' "$CRM" segment
check 'an unknown command' 2 empty "match:^crm segment: 'frob' is not a segment command" \
	"$CRM" segment frob
check 'show with neither name nor --where' 2 empty \
	"match:^crm segment: show needs a segment name or --where" "$CRM" segment show
check 'show with both' 2 empty 'match:^crm segment: show takes a segment name or --where, not both' \
	"$CRM" segment show dormant --where 'age > 3'
check '--where twice' 2 empty 'match:^crm segment: --where is given once' \
	"$CRM" segment count --where 'age > 3' --where 'age < 9'
check '--ids with --format' 2 empty 'match:^crm segment: --ids writes bare ids: not with --format' \
	"$CRM" segment show dormant --ids --format json
check 'an option of another command' 2 empty \
	'match:^crm segment: --ids is not an option of segment count$' "$CRM" segment count dormant --ids
check 'count with two names: too many, naming the extra one' 2 empty \
	"match:^crm segment: too many arguments for segment count \\('extra'\\): one segment name$" \
	"$CRM" segment count dormant extra
check 'a bad --as-of' 2 empty "match:^crm segment: --as-of takes a date, YYYY-MM-DD, not '2026-02-30'" \
	"$CRM" segment count dormant --as-of 2026-02-30
check 'a bad name' 2 empty "match:^crm segment: 'a b' cannot name a segment" \
	"$CRM" segment create 'a b' 'age > 3'
check '... a full-width space is a space' 2 empty "match:cannot name a segment" \
	"$CRM" segment create '休眠　DM' 'age > 3'
check '... bytes that are not UTF-8' 2 empty "match:cannot name a segment" \
	sh -c '"$CRM" segment create "$(printf "bad\223")" "age > 3"'
check '... Japanese is fine' 0 empty 'inline:crm segment: dry run: would have created 休眠DM' \
	"$CRM" segment create 休眠DM 'age > 3' --dry-run
check 'an unknown segment' 1 empty \
	"inline:crm segment: no segment 'nope' (crm segment list shows them)" "$CRM" segment show nope
check '... a slip of one' 1 empty "inline:crm segment: no segment 'dormnat' (did you mean dormant?)" \
	"$CRM" segment count dormnat

# Saved segments: create, list, replace, drop, revert.
check 'create' 0 empty 'inline:crm segment: created tokyo' \
	"$CRM" segment create tokyo "prefecture = '東京都'" --description '都内'
check '... listed, saved' 0 "match:^tokyo,saved,prefecture = '東京都',都内$" empty \
	"$CRM" segment list --format csv
check '... shown, evaluated now' 0 'inline:1
3
6' ignore "$CRM" segment show tokyo --ids
check '... id and name not shown twice' 0 'inline:id,source_key,name,prefecture
1,shop:C1,山田太郎,東京都' ignore "$CRM" segment show --format csv --where "id = 1 and name != 'x' and prefecture != ''"
check '... twice is an error' 1 empty "match:^crm segment: segment 'tokyo' exists already: --replace" \
	"$CRM" segment create tokyo 'age > 3'
check '... --replace changes it' 0 empty 'inline:crm segment: replaced tokyo' \
	"$CRM" segment create tokyo "prefecture = '東京都' and age > 40" --replace
check '... and count follows' 0 'inline:1' empty "$CRM" segment count tokyo
check '... the description kept' 0 "match:^tokyo,saved,prefecture = '東京都' and age > 40,都内$" empty \
	"$CRM" segment list --format csv
check '... the same again changes nothing' 0 empty 'inline:crm segment: tokyo is that already: nothing changed' \
	"$CRM" segment create tokyo "prefecture = '東京都' and age > 40" --replace
check '... in the log, as an update of the definition' 0 \
	"match:definition" ignore sh -c 'sqlite3 crm.db "SELECT field FROM changes WHERE tbl = '"'segments'"' AND op = '"'update'"'"'
check '... a revert puts the old expression back' 0 ignore ignore \
	sh -c '"$CRM" log revert $(sqlite3 crm.db "SELECT max(id) FROM runs WHERE counts LIKE '"'%replaced%'"'")'
check '... as it was' 0 'inline:3' empty "$CRM" segment count tokyo
check '--dry-run saves nothing' 0 empty 'inline:crm segment: dry run: would have created osaka' \
	"$CRM" segment create osaka "prefecture = '大阪府'" --dry-run
check '... nothing' 1 empty 'match:no segment' "$CRM" segment count osaka
check 'one that can never match is saved with a warning' 0 empty \
	'inline:crm segment: warning: never can never match: no value of age is in the range asked for
crm segment: created never' "$CRM" segment create never 'age > 30 and age < 20'
check 'a saved one replaces a built-in of its name' 0 empty 'inline:crm segment: created dormant' \
	"$CRM" segment create dormant 'days_since_last_order >= 180'
check '... listed as such, with the built-in'"'"'s label, not its description of 365 days' 0 'match:^dormant,saved \(replaces the built-in\),days_since_last_order >= 180,休眠$' \
	empty "$CRM" segment list --format csv
check '... and used' 0 'inline:5' empty "$CRM" segment count dormant --as-of 2026-06-15
check '... dropping it brings the built-in back' 0 empty 'inline:crm segment: dropped dormant' \
	"$CRM" segment drop dormant
check '... a slip of a saved name' 1 empty "inline:crm segment: no segment 'tokio' (did you mean tokyo?)" \
	"$CRM" segment drop tokio
check '... which cannot be dropped' 1 empty \
	"inline:crm segment: no saved segment 'dormant' (it is built in: it cannot be dropped)" \
	"$CRM" segment drop dormant
check '... and is back' 0 'inline:3' empty "$CRM" segment count dormant --as-of 2026-06-15

# Lint: saved segments that cannot match, and a scheme file's cells.
"$CRM" -q segment create tokyo-en "prefecture = 'Tokyo'" 2>/dev/null
"$CRM" -q segment create nobody 'age > 100'
check 'lint reports what can never match, and what matches no one now' 3 \
	'inline:never: can never match: no value of age is in the range asked for
nobody: note: matches no customer as of 2026-12-01
tokyo-en: note: matches no customer as of 2026-12-01' \
	'inline:crm segment: 1 problem in 4 saved segments' "$CRM" segment lint --as-of $AS_OF
printf 'A: 55 54 45\nB: 54 44 43 42 41 35 34 33 32 31 25 24 23 22 21 15 14 13 12 11\n' > gaps.txt
check 'lint --scheme: cells no segment names, and cells two name' 3 \
	"inline:gaps.txt: cell R5 FM1 (F + M = 2): no segment names it
gaps.txt: cell R5 FM2 (F + M = 3 or 4): no segment names it
gaps.txt: cell R5 FM3 (F + M = 5 or 6): no segment names it
gaps.txt: cell R5 FM4: named by 'A' 'B'
never: can never match: no value of age is in the range asked for
nobody: note: matches no customer as of 2026-12-01
tokyo-en: note: matches no customer as of 2026-12-01" ignore \
	"$CRM" segment lint --scheme gaps.txt --as-of $AS_OF
check 'lint --scheme - reads standard input' 3 'match:^-: cell R5 FM4: named by' ignore \
	sh -c '"$CRM" segment lint --scheme - --as-of 2026-12-01 < gaps.txt'
"$CRM" -q segment drop never && "$CRM" -q segment drop tokyo-en && "$CRM" -q segment drop nobody
check '... clean: exit 0' 0 empty 'inline:crm segment: 0 problems in 1 saved segment' \
	"$CRM" segment lint

# Snapshots and diff.
check 'snapshot' 0 empty \
	"match:^crm segment: 3 customers of dormant as of 2026-12-01 kept as run [0-9]+ \\('crm segment diff dormant [0-9]+' later" \
	"$CRM" segment snapshot dormant --as-of $AS_OF
snap1=$(sqlite3 crm.db 'SELECT max(run_id) FROM segment_snapshots')
check '... kept: the members and the expression' 0 'inline:dormant|days_since_last_order >= 365|2026-12-01|3
2
3
5' empty sqlite3 crm.db "SELECT segment, definition, as_of, customers FROM segment_snapshots;
	SELECT customer_id FROM segment_members ORDER BY customer_id"
check 'diff against now: no change' 0 'inline:change,id,source_key,name' \
	"inline:crm segment: dormant: 0 entered, 0 left, from run $snap1 of 2026-12-01 (3) to now (2026-12-01) (3)" \
	"$CRM" segment diff dormant --as-of $AS_OF --format csv
printf '注文番号,顧客番号,注文日,商品名,金額\nB1,C2,2026-11-25,傘,3000\n' > more.csv
"$CRM" -q import --source shop more.csv || bail_out 'import of more.csv failed'
check 'a day later: C2 bought (left), C4 reached 365 days (entered)' 0 'inline:change,id,source_key,name
entered,4,shop:C4,田中美咲
left,2,shop:C2,鈴木花子' \
	"inline:crm segment: dormant: 1 entered, 1 left, from run $snap1 of 2026-12-01 (3) to now (2026-12-02) (3)" \
	"$CRM" segment diff dormant --as-of 2026-12-02 --format csv
"$CRM" -q segment snapshot dormant --as-of 2026-12-02 || bail_out 'snapshot failed'
snap2=$(sqlite3 crm.db 'SELECT max(run_id) FROM segment_snapshots')
check 'diff between two snapshots' 0 'inline:change,id,source_key,name
entered,4,shop:C4,田中美咲
left,2,shop:C2,鈴木花子' ignore "$CRM" segment diff dormant "$snap1" "$snap2" --format csv
check '... of a run that took none' 1 empty "inline:crm segment: run 1 took no snapshot of segment 'dormant'" \
	"$CRM" segment diff dormant 1
check '... of a run that is not there' 1 empty 'inline:crm segment: there is no run 99999 (crm log lists them)' \
	"$CRM" segment diff dormant 99999
check '... of a segment with none' 1 empty \
	"inline:crm segment: segment 'lost' has no snapshot: crm segment snapshot lost takes one" \
	"$CRM" segment diff lost
check '... between two snapshots, of a segment since dropped' 0 'inline:change,id,source_key,name
entered,4,shop:C4,田中美咲
left,2,shop:C2,鈴木花子' ignore sh -c '"$CRM" -q segment snapshot tokyo --as-of 2026-12-02 > /dev/null &&
	"$CRM" -q segment drop tokyo && "$CRM" segment diff dormant "$1" "$2" --format csv' sh "$snap1" "$snap2"
check '... --as-of is not for two snapshots' 2 empty 'match:--as-of is for a diff against now' \
	"$CRM" segment diff dormant "$snap1" "$snap2" --as-of $AS_OF
check '... a run that is not a number' 2 empty "match:'x' is not a run number" \
	"$CRM" segment diff dormant x
# C5 is merged into C6 (who never ordered): C5 is in the first snapshot, C6 now.
printf 'pair,score,decision,a,b\n1,0,same,6,5\n' > same.csv
"$CRM" -q dedupe --decisions same.csv --survivor newest || bail_out 'dedupe --decisions failed'
check 'merged since: the member counts as the survivor' 0 'inline:6' empty \
	sqlite3 crm.db 'SELECT merged_into FROM customers WHERE id = 5'
check '... so the merge is no change of membership' 0 'inline:change,id,source_key,name
entered,4,shop:C4,田中美咲
left,2,shop:C2,鈴木花子' ignore "$CRM" segment diff dormant "$snap1" --as-of 2026-12-02 --format csv
check 'a revert of a snapshot removes it' 0 'inline:0' ignore \
	sh -c '"$CRM" -q log revert '"$snap2"' && sqlite3 crm.db "SELECT count(*) FROM segment_snapshots s JOIN segment_members m ON m.snapshot_id = s.id WHERE s.run_id = '"$snap2"'"'
check '--dry-run keeps nothing' 0 empty \
	'inline:crm segment: dry run: 3 customers of dormant as of 2026-12-02 would be kept (nothing was)' \
	"$CRM" segment snapshot dormant --as-of 2026-12-02 --dry-run
check '... nothing' 0 'inline:2' empty sqlite3 crm.db 'SELECT count(*) FROM segment_snapshots'

# A campaign's effect: an export of run 900 sent to C3 and C4 on 2026-12-03
# at 05:00 in Tokyo (20:00 UTC the day before; orders are dated locally, so
# C3's order of 12-02 is before it); C4 bought after it. The snapshot of
# dormant before it is the control.
sqlite3 crm.db "INSERT INTO runs(id, command, argv, actor, host, started_at, status)
	VALUES (900, 'export', '[]', 'tester', 'h', '2026-12-02T20:00:00.000Z', 'ok');
	INSERT INTO exports(id, run_id, actor, at, purpose, row_count)
	VALUES (1, 900, 'tester', '2026-12-02T20:00:00.000Z', 'marketing', 2);
	INSERT INTO export_customers(export_id, customer_id) VALUES (1, 3), (1, 4)" ||
	bail_out 'cannot record an export'
printf '注文番号,顧客番号,注文日,商品名,金額\nB2,C4,2026-12-04,茶,1500\nB3,C4,2026-12-06,茶,700\nB4,C2,2026-12-05,傘,100\nB5,C3,2026-12-02,本,400\n' > after.csv
"$CRM" -q import --source shop after.csv || bail_out 'import of after.csv failed'
check '--since-export: who of the recipients bought, with their spend' 0 \
	'inline:id,source_key,name,orders_since,spent_since,first_order_since
4,shop:C4,田中美咲,2,2200,2026-12-04' \
	"inline:crm segment: export run 900 (2026-12-03): 2 recipients, 1 bought since (50.0%), spending 2200
crm segment: not sent (in dormant's snapshot of run $snap1, not in the export): 2, 2 bought (100.0%), spending 9100" \
	env TZ=JST-9 "$CRM" segment show dormant --since-export 900 --format csv
check '... a run that exported nothing' 1 empty 'match:^crm segment: run 1 exported nothing' \
	"$CRM" segment show dormant --since-export 1
check '... a run that is not there' 1 empty 'match:^crm segment: there is no run 99999: --since-export' \
	"$CRM" segment show dormant --since-export 99999
check '... needs the name' 2 empty 'match:--since-export needs the segment' \
	"$CRM" segment show --where 'age > 3' --since-export 900

# An erasure takes the person out of every snapshot.
check 'forget erases the snapshots'"'"' rows of the person' 0 'inline:0' ignore \
	sh -c '"$CRM" -q log forget shop:C3 --reason test > /dev/null &&
	sqlite3 crm.db "SELECT count(*) FROM segment_members WHERE customer_id = 3"'
# Scores whose scheme names no segments, or other ones: a warning.
check 'segment of scores saved with --scheme none: a warning' 0 'inline:0' \
	'match:^crm segment: warning: the RFM scores of run [0-9]+ name no segments \(saved with --scheme none\)' \
	sh -c '"$CRM" -q rfm --save --scheme none --as-of 2026-12-02 --format csv > /dev/null &&
	"$CRM" segment count champions --as-of 2026-12-01'
check '... of cpm: a built-in of rfm11' 0 'inline:0' \
	'match:^crm segment: warning: the RFM scores of run [0-9]+ name their segments by cpm, and at-risk is one of rfm11' \
	sh -c '"$CRM" -q rfm --save --scheme cpm --as-of 2026-12-02 --format csv > /dev/null &&
	"$CRM" segment count at-risk --as-of 2026-12-01'
finish
