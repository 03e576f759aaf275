#!/bin/sh
# crm dedupe's clusters (#14): a chain of merge pairs, each fair, does not
# join customers whom the pairs across it keep apart on average. 森 花子
# four times: C1 and C2 share an email, C2 and C3 only a name (a fair
# pair, barely), C3 and C4 a phone; C1 and C3 disagree on their phones.
# C3 must not join C1 and C2 through C2 alone. And a join, which decides
# every pair across at once, asks them for odds of 4 to 1 on average where
# one pair alone needs even odds: 小松 千尋 three times, D1 and D2 share an
# email, D3 is a merge pair with each (a birthdate a day off, another
# prefecture) but at less than 4 to 1 on average: its pairs go to review.
. "$SRCDIR/tests/cli/lib.sh"

plan 17

export CRM_USER=tester
data=$SRCDIR/tests/data/dedupe

"$CRM" -q import --source shop "$data/people.csv" &&
"$CRM" -q import --source fair --map kana=name_kana --map tel=phone --map zip=postal_code \
	--map pref=prefecture "$data/fair.csv" &&
"$CRM" -q import --source crm "$data/others.csv" &&
"$CRM" -q import --source chain "$data/chain.csv" || bail_out 'import failed'

check 'C2 and C3 are a merge pair on their own' 0 'match:^total,,,merge,,,\+' empty \
	"$CRM" dedupe --explain chain:C2,chain:C3 --format csv
check '... C1 and C3 are not, nor two people by far' 0 'match:^total,,,(review|none),,,-[0-9]\.' empty \
	"$CRM" dedupe --explain chain:C1,chain:C3 --format csv
check 'C1 and C2 are one cluster, without C3' 0 'inline:75,chain:C1,merge,one
76,chain:C2,merge,one
77,chain:C3,review,another' \
	'match:merge pairs? left out of a cluster holding someone else$' \
	sh -c '"$CRM" dedupe --format csv | awk -F, "\$3 ~ /^chain:/ && n++ < 3 {
		if (!first) first = \$1; print \$2 \",\" \$3 \",\" \$6 \",\" (\$1 == first ? \"one\" : \"another\") }"'
check '--threshold below even odds: the pairs across must still be 4 to 1, C3 stays out' 0 \
	'inline:75,chain:C1,merge,one
76,chain:C2,merge,one
77,chain:C3,review,another' ignore \
	sh -c '"$CRM" dedupe --threshold -4 --format csv | awk -F, "\$3 ~ /^chain:/ && n++ < 3 {
		if (!first) first = \$1; print \$2 \",\" \$3 \",\" \$6 \",\" (\$1 == first ? \"one\" : \"another\") }"'
cp crm.db merged.db
sqlite3 merged.db "UPDATE customers SET merged_into = 75 WHERE id = 76" || bail_out 'sqlite3 failed'
check 'C2 merged into C1 by an earlier run: C1 is the cluster of both, C3 stays out at -8' 0 \
	'inline:C3 review' ignore \
	sh -c '"$CRM" --db merged.db dedupe --threshold -8 --review-threshold -12 --format csv |
		awk -F, "\$3 == \"chain:C3\" { print \"C3\", \$6 }" | sort -u'
"$CRM" --db alone.db -q import --source shop "$data/people.csv" &&
"$CRM" --db alone.db -q import --source fair --map kana=name_kana --map tel=phone --map zip=postal_code \
	--map pref=prefecture "$data/fair.csv" &&
"$CRM" --db alone.db -q import --source crm "$data/others.csv" &&
grep -v '^C2,' "$data/chain.csv" > alone.csv &&
"$CRM" --db alone.db -q import --source chain alone.csv || bail_out 'import failed'
check '... but two customers alone are the pair itself: C1 and C3, without C2, merge at -8' 0 \
	'match:^[0-9]+,76,chain:C3,森 花子,-[0-7]\.[0-9]+,merge$' ignore \
	"$CRM" --db alone.db dedupe --threshold -8 --review-threshold -12 --format csv
cp crm.db join.db
"$CRM" --db join.db -q import --source join "$SRCDIR/tests/data/dedupe/join.csv" || bail_out 'import failed'
check 'D2 and D3 are a merge pair on their own' 0 'match:^total,,,merge,,,\+[23]\.' empty \
	"$CRM" --db join.db dedupe --explain join:D2,join:D3 --format csv
check '... and so are D1 and D3, below 4 to 1: the two average less than 2 bits' 0 \
	'match:^total,,,merge,,,\+[01]\.' empty \
	"$CRM" --db join.db dedupe --explain join:D1,join:D3 --format csv
check 'D1 and D2 are one cluster, D3 is not joined to it but listed for review with each' 0 \
	'inline:79,join:D1,merge
80,join:D2,merge
80,join:D2,review
81,join:D3,review
79,join:D1,review
81,join:D3,review' ignore \
	sh -c '"$CRM" --db join.db dedupe --format csv | awk -F, "\$3 ~ /^join:/ { print \$2 \",\" \$3 \",\" \$6 }"'
check '... and the review file shows D1 and D2 in one merge cluster, beside each pair with D3' 0 \
	'inline:80,81,5,
79,81,5,' ignore \
	sh -c '"$CRM" --db join.db dedupe --review-file join-review.csv > /dev/null &&
		awk -F, "NR > 1 && (\$4 ~ /^(79|80)$/) { print \$4 \",\" \$5 \",\" \$6 \",\" \$7 }" join-review.csv'
check '... nor with --threshold below even odds' 0 'inline:79,join:D1,merge
80,join:D2,merge
80,join:D2,review
81,join:D3,review
79,join:D1,review
81,join:D3,review' ignore \
	sh -c '"$CRM" --db join.db dedupe --threshold -4 --format csv | awk -F, "\$3 ~ /^join:/ { print \$2 \",\" \$3 \",\" \$6 }"'
check '... nor the next night, when D2 is merged into D1: D1 stands for both (D3 is for review)' 0 \
	'inline:D3 review' ignore \
	sh -c '"$CRM" --db join.db -q dedupe --apply > /dev/null &&
		"$CRM" --db join.db dedupe --format csv | awk -F, "\$3 == \"join:D3\" { b = \$6 }
			END { print \"D3\", (b ? b : \"none\") }"'
cp crm.db birth.db
printf 'id,birthdate\nK1,1961-07-17\nK2,1961-07-17\n' > birth.csv
"$CRM" --db birth.db -q import --lenient --source k birth.csv || bail_out 'import failed'
check 'two customers with a birthdate and nothing else: never merged unseen, whatever --threshold' 0 \
	'match:^total,,,review,,,' empty \
	"$CRM" --db birth.db dedupe --explain k:K1,k:K2 --threshold -8 --review-threshold -20 --format csv
check '... though their weight is above it' 0 'match:^total,,,review,,,-[0-7]\.' empty \
	"$CRM" --db birth.db dedupe --explain k:K1,k:K2 --threshold -8 --review-threshold -20 --format csv
check '... and --apply merges C2 into C1 only' 0 'inline:76|75' empty sh -c \
	'"$CRM" -q dedupe --apply > /dev/null && sqlite3 crm.db "SELECT id, merged_into FROM customers WHERE id > 74 AND merged_into IS NOT NULL"'

# Enough customers that the pairs are compared by several threads: the
# same report every time, byte for byte.
"$BENCH_GEN" --rows 3000 --seed 14 --hard-rate 0.05 > gen.csv || bail_out 'bench-gen failed'
"$CRM" --db gen.db -q import --source gen --rejects /dev/null gen.csv
check 'thousands of customers: tens of thousands of pairs compared' 0 ignore \
	'match:^crm dedupe: 2,970 customers, [0-9]{2},[0-9]{3} pairs compared' \
	sh -c '"$CRM" --db gen.db dedupe --format csv > one.csv'
"$CRM" --db gen.db dedupe --format csv > two.csv 2>/dev/null
"$CRM" --db gen.db dedupe --format csv > three.csv 2>/dev/null
check '... and the same report on every run' 0 empty empty sh -c 'cmp one.csv two.csv && cmp one.csv three.csv'
finish
