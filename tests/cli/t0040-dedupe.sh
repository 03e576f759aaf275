#!/bin/sh
# crm dedupe (#14): one person arriving from the shop and the trade show,
# spelled differently (髙橋/高橋, 渡邊/渡辺, half-width kana, a Gmail
# address with dots), is found; a married name with the same birthdate and
# email too; the hard negatives are not merged: a family sharing a phone
# and an address, a father and a son of one name at one home, colleagues
# sharing an office phone and a company, two 山田太郎 in different
# prefectures. The report changes nothing, is the same on every run,
# leaves merged customers out; --explain shows each field's weight; bad
# options are usage errors.
. "$SRCDIR/tests/cli/lib.sh"

plan 60

export CRM_USER=tester
have sqlite3 || bail_out 'sqlite3(1) is needed (README installs it)'
data=$SRCDIR/tests/data/dedupe

"$CRM" -q import --source shop "$data/people.csv" ||
	bail_out 'import of people.csv failed'
"$CRM" -q import --source fair --map kana=name_kana --map tel=phone --map zip=postal_code \
	--map pref=prefecture "$data/fair.csv" || bail_out 'import of fair.csv failed'
"$CRM" -q import --source crm "$data/others.csv" || bail_out 'import of others.csv failed'
dump_tables > before.txt
sqlite3 crm.db 'SELECT count(*) FROM runs' > runs-before.txt

check 'the same people are found across sources; the hard negatives are not merged' 0 \
	'inline:cluster,customer,key,name,band
1,1,shop:S001,髙橋 一郎,merge
1,8,fair:F01,高橋 一郎,merge
2,5,shop:S005,田中 由美,merge
2,12,fair:F05,伊藤 由美,merge
3,7,shop:S007,渡邊 健太,merge
3,14,fair:F07,渡辺 健太,merge
4,4,shop:S004,鈴木 一郎,review
4,11,fair:F04,鈴木 一郎,review' \
	'match:^crm dedupe: 3 clusters to merge \(6 customers\), 1 pair to review$' \
	sh -c '"$CRM" dedupe --format csv | cut -d, -f1-4,6'
assert '... with a score for each' sh -c \
	'"$CRM" dedupe --format csv | awk -F, "NR > 1 && \$5 !~ /^-?[0-9]+(\\.[0-9][0-9]?)?\$/ { exit 1 }"'
check '... and the summary says what was compared and how the model fitted' 0 ignore \
	'match:^crm dedupe: 74 customers, [0-9,]+ pairs compared \([0-9]+ blocking rules\)$' \
	"$CRM" dedupe --format csv
check '... (too few duplicates to learn from: a strict model, and the share of matches)' 0 ignore \
	'match:^crm dedupe: model: too few duplicates to learn from \(under 10 in every rule.s pairs\): strict, [0-9.]+% of the pairs matches$' \
	"$CRM" dedupe --format csv
check 'the two 山田太郎 of two prefectures, the colleagues at ABC, the family at one home: no band' 0 \
	'not-match:山田|中村|小林|佐藤' ignore "$CRM" dedupe --format csv
dump_tables > after.txt
check 'dedupe changes nothing: every table as it was' 0 empty empty cmp before.txt after.txt
check '... and records no run' 0 "file:runs-before.txt" empty sqlite3 crm.db 'SELECT count(*) FROM runs'
"$CRM" dedupe --format csv > one.csv 2> one.err
"$CRM" dedupe --format csv > two.csv 2> two.err
check 'the same database gives the same report, byte for byte' 0 empty empty cmp one.csv two.csv
check '... and the same summary' 0 empty empty cmp one.err two.err
check '--format json: one object per line, the score a number' 0 \
	'match:^\{"cluster":1,"customer":1,"key":"shop:S001","name":"髙橋 一郎","score":[0-9]+(\.[0-9][0-9]?)?,"band":"merge"\}$' \
	ignore "$CRM" dedupe --format json

# Why: the waterfall of one pair.
check '--review-file: the review band, both customers side by side, for Excel' 0 ignore ignore \
	"$CRM" dedupe --review-file review.csv
printf '\357\273\277pair,score,decision,a,b,a_cluster,b_cluster,a_key,b_key,a_name,b_name,a_name_kana,b_name_kana,a_birthdate,b_birthdate,a_email,b_email,a_phone,b_phone,a_mobile,b_mobile,a_postal_code,b_postal_code,a_prefecture,b_prefecture,a_city,b_city,a_address,b_address,a_company,b_company\r\n' > review-head.txt
check '... with a BOM, CRLF and a header naming a and b' 0 'file:review-head.txt' empty head -n 1 review.csv
check '... and the father and the son on one row, their birthdates side by side' 0 \
	'match:^1,[0-9.]+,,4,11,,,shop:S004,fair:F04,鈴木 一郎,鈴木 一郎,スズキ イチロウ,スズキ イチロウ,1950-07-07,1980-03-03,' \
	empty cat review.csv
check '--explain of three ids: it takes two' 2 empty \
	"match:^crm dedupe: --explain takes two customers, ID,ID or SOURCE:KEY,SOURCE:KEY, not '1,2,3'$" \
	"$CRM" dedupe --explain 1,2,3
check '--review-file with --explain is a usage error' 2 empty 'match:give one of them' \
	"$CRM" dedupe --explain 4,11 --review-file r2.csv
check '--explain: the father and the son, field by field, prior and total' 0 \
	'match:^total,,,review,,,\+[0-9.]+$' empty "$CRM" dedupe --explain 4,11 --format csv
check '... their birthdates differ, which counts against' 0 \
	'match:^birthdate,19500707,19800303,different,[0-9.]+,[0-9.]+,-[0-9.]+$' empty \
	"$CRM" dedupe --explain 4,11 --format csv
check '... the old and the new form of 髙 are one key' 0 \
	'match:^family_name,高橋,高橋,exact,' empty "$CRM" dedupe --explain shop:S001,fair:F01 --format csv
check '... half-width kana and a Gmail address with dots too' 0 \
	'match:^email,ichirot@gmail.com,ichirot@gmail.com,exact,' empty \
	"$CRM" dedupe --explain shop:S001,fair:F01 --format csv
check '... a field one of them lacks is missing, and weighs nothing' 0 \
	'match:^email,,ichiro.s@example.jp,missing,,,\+0.00$' empty \
	"$CRM" dedupe --explain 4,11 --format csv
check '... any two customers, compared by blocking or not' 0 'match:^total,,,none,,,-' empty \
	"$CRM" dedupe --explain shop:S002,crm:O010 --format csv
check '--explain of one customer twice is an error' 1 empty \
	'match:^crm dedupe: --explain: 1,shop:S001 is one customer \(customer 1\)$' \
	"$CRM" dedupe --explain 1,shop:S001
check '--explain of a customer that is not there names it' 1 empty 'match:999' \
	"$CRM" dedupe --explain 1,999
check '--explain without two customers is a usage error' 2 empty \
	'match:--explain takes two customers' "$CRM" dedupe --explain 1

# A merged customer is left out (dedupe's own merges will set this).
sqlite3 crm.db 'UPDATE customers SET merged_into = 1 WHERE id = 8'
check 'a customer merged into another is left out' 0 'not-match:fair:F01' ignore \
	"$CRM" dedupe --format csv
sqlite3 crm.db 'UPDATE customers SET merged_into = NULL WHERE id = 8'

check '--max-block: blocks over it are skipped, and the summary says so' 0 ignore \
	'match:blocks of over 2 customers skipped, the largest [0-9]+' \
	"$CRM" dedupe --max-block 2 --format csv
check '--threshold above every score: the merge band is empty, all goes to review' 0 \
	'not-match:,merge$' ignore "$CRM" dedupe --threshold 1000 --format csv
check '--threshold that is no number is a usage error' 2 empty \
	"match:--threshold takes a number of bits, not 'high'" "$CRM" dedupe --threshold high
check '--review-threshold above --threshold is a usage error' 2 empty \
	'match:--review-threshold \(9\) is above --threshold \(8\)' \
	"$CRM" dedupe --threshold 8 --review-threshold 9
check 'an argument is a usage error' 2 empty "match:unexpected argument 'x'" "$CRM" dedupe x
check 'without a database: a clear error, and none is created' 1 empty \
	"match:no database at 'none.db'" "$CRM" --db none.db dedupe
check '--help lists the options' 0 'match:--explain <id1>,<id2>' empty "$CRM" dedupe --help
"$CRM" --db empty.db -q init
check 'an empty database: an empty report, and the summary says there was nothing to fit' 0 \
	'inline:cluster,customer,key,name,score,band' 'match:^crm dedupe: model: no pairs to fit it on$' \
	"$CRM" --db empty.db dedupe --format csv
check '... --apply merges nothing' 0 ignore 'match:0 customers merged into 0' \
	"$CRM" --db empty.db dedupe --apply --format csv

# --apply: the merge band merged, in one run that a revert undoes.
check '--max-merges under the merges found: nothing merged, exit 3' 3 empty \
	'match:^crm dedupe: 3 customers would be merged, over --max-merges 2: nothing merged' \
	"$CRM" dedupe --apply --max-merges 2
dump_tables > capped.txt
check '... every table as it was' 0 empty empty cmp before.txt capped.txt
check '--apply --dry-run: the same work, rolled back' 0 ignore \
	'match:^crm dedupe: dry run: 3 customers merged into 3 \(3 rows moved, [0-9]+ values of survivors changed\)$' \
	"$CRM" dedupe --apply --dry-run
dump_tables > dry.txt
check '... every table as it was' 0 empty empty cmp before.txt dry.txt
# A consent withdrawn in one source stays withdrawn in the merged customer.
sqlite3 crm.db 'UPDATE customers SET consent_email = 1 WHERE id = 1;
	UPDATE customers SET consent_email = 0, updated_at = '"'"'2000-01-01T00:00:00.000Z'"'"' WHERE id = 8'
dump_tables > before.txt
check '--apply merges the merge band, says how much, and names the run' 0 \
	'match:^1,8,fair:F01,高橋 一郎,[0-9.]+,merge$' \
	'match:^crm dedupe: 3 customers merged into 3 \(3 rows moved, [0-9]+ values of survivors changed\); this is run [0-9]+ .{2}crm log revert [0-9]+. undoes it\)$' \
	"$CRM" dedupe --apply --format csv
run=$(sqlite3 crm.db "SELECT max(id) FROM runs WHERE command = 'dedupe'")
assert '... too few duplicates to learn from: no model saved (the strict one is no fit)' \
	test "$(sqlite3 crm.db 'SELECT count(*) FROM dedupe_models')" = 0
check '... the oldest of each cluster survives; the others point to it' 0 'inline:8|1
12|5
14|7' empty sqlite3 crm.db 'SELECT id, merged_into FROM customers WHERE merged_into IS NOT NULL ORDER BY id'
check '... every source record points to a customer not merged away' 0 'inline:0' empty \
	sqlite3 crm.db 'SELECT count(*) FROM source_records s JOIN customers c ON c.id = s.customer_id
		WHERE c.merged_into IS NOT NULL'
check '... so the keys of both sources find the survivor' 0 'inline:1|2' empty \
	sqlite3 crm.db "SELECT customer_id, count(*) FROM source_records WHERE customer_id = 1"
check '... which takes the most recent values, a withdrawn consent, and keeps the other email' 0 \
	'inline:髙橋 一郎|ichiro.t@gmail.com|0|{"other_emails":["ichirot@gmail.com"]}' empty \
	sqlite3 crm.db 'SELECT name, email, consent_email, extra FROM customers WHERE id = 1'
check '... the run counts what it did' 0 \
	'match:^\{"customers":74,"pairs":[0-9]+,"clusters":3,"merged":3,"moved":3,"values":[0-9]+,"review":1\}$' \
	empty sqlite3 crm.db "SELECT counts FROM runs WHERE id = $run"
check 'dedupe again finds nothing more to merge' 0 'not-match:,merge$' \
	'match:^crm dedupe: 0 clusters to merge' "$CRM" dedupe --format csv
check '--explain of a merged customer explains its survivor' 0 'match:^customer,1,25,' empty \
	"$CRM" dedupe --explain fair:F01,crm:O010 --format csv
check '... (which is one customer with itself: an error)' 1 empty 'match:is one customer' \
	"$CRM" dedupe --explain 8,1
check 'crm log verify: the merge is in the hash chain' 0 empty 'match:hash chain intact' \
	"$CRM" log verify
check 'crm log revert of the dedupe run' 0 empty 'match:run [0-9]+ reverted' \
	"$CRM" log revert "$run"
dump_tables > reverted.txt
check '... restores every merged customer and every re-pointed row exactly' 0 empty empty \
	cmp before.txt reverted.txt
check '--survivor newest: the last created of a cluster stays' 0 'inline:1|8
5|12
7|14' ignore sh -c '"$CRM" -q dedupe --apply --survivor newest >/dev/null &&
	sqlite3 crm.db "SELECT id, merged_into FROM customers WHERE merged_into IS NOT NULL ORDER BY id"'
check '--max-merges without --apply is a usage error' 2 empty 'match:--max-merges is for --apply' \
	"$CRM" dedupe --max-merges 5
check '--survivor that is no rule is a usage error' 2 empty \
	"match:--survivor must be oldest, newest or most-complete, not 'first'" \
	"$CRM" dedupe --apply --survivor first
check '--explain with --apply is a usage error' 2 empty 'match:drop --apply' \
	"$CRM" dedupe --apply --explain 1,2

# --since: the night's new customers against everyone, not all against all.
printf 'id,name,kana,birthdate,email,tel\nL01,高橋 一郎,タカハシ イチロウ,1980-01-15,ichirot@gmail.com,090-1111-2222\n' > late.csv
"$CRM" -q import --source late --map kana=name_kana --map tel=phone late.csv ||
	bail_out 'import of late.csv failed'
late=$(sqlite3 crm.db "SELECT max(id) FROM runs WHERE command = 'import'")
check '--since RUN: the customer that run added is found with the one it duplicates' 0 \
	'match:^1,[0-9]+,late:L01,高橋 一郎,[0-9.]+,merge$' \
	"match:^crm dedupe: 72 customers \(1 added or changed since run $late\), [0-9]+ pairs compared" \
	"$CRM" dedupe --since "$late" --format csv
check '... and pairs of customers older than the run are not looked at again' 0 \
	'not-match:鈴木' ignore "$CRM" dedupe --since "$late" --format csv
check '... (without --since they are)' 0 'match:鈴木 一郎,-?[0-9.]+,review$' ignore \
	"$CRM" dedupe --format csv
check '--since a run that is not there names it' 1 empty 'match:there is no run 999' \
	"$CRM" dedupe --since 999
check '--since that is no run number is a usage error' 2 empty 'match:--since' \
	"$CRM" dedupe --since yesterday

finish
