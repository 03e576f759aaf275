#!/bin/sh
# crm rfm (#15): the definitions of crm-rfm(1) on hand-computed orders
# (net and gross, distinct orders, returns that are not purchases, the
# as-of date, a merged customer's orders counted for the survivor); the
# same scores as the reference SQL of bench/rfm.sql on generated orders;
# snapshots (--save, --compare, revert); and bad input.
. "$SRCDIR/tests/cli/lib.sh"

plan 47

export CRM_USER=tester
have sqlite3 || bail_out 'sqlite3(1) is needed (README installs it)'
data=$SRCDIR/tests/data/rfm

"$CRM" -q init || bail_out 'init failed'
check 'an empty database: no one to score' 0 \
	'inline:id,source_key,last_purchase,recency_days,frequency,monetary,r,f,m,segment' \
	'match:^crm rfm: no dated orders: no one to score$' "$CRM" rfm --format csv

"$CRM" -q import --source shop "$data/orders.csv" || bail_out 'import of orders.csv failed'

# As of 2024-03-11, the day after the latest line (O5). C1: O1 (two lines)
# and O2 are two orders, 1000 + 500 + 2000 less the return of 300; the
# return (03-05) is not its last purchase. C6 has a cancellation only.
check 'net: the hand-computed scores and segments' 0 'inline:id,source_key,last_purchase,recency_days,frequency,monetary,r,f,m,segment
1,shop:C1,2024-03-01,10,2,3200,4,4,4,Loyal Customers
2,shop:C2,2024-02-01,39,1,5000,2,1,5,Need Attention
3,shop:C3,2024-03-10,1,1,100,5,1,1,New Customers
4,shop:C4,2024-01-15,56,2,1600,1,4,3,Can'"'"'t Lose Them
5,shop:C5,2024-02-20,20,1,250.5,3,1,2,Need Attention' \
	'match:^crm rfm: 5 customers scored as of 2024-03-11 \(rank, 5 bins, returns net\); 1 with only cancellations or returns, not scored$' \
	"$CRM" rfm --format csv
check '... ties of rank share a score: a warning names the empty bins' 0 ignore \
	'match:^crm rfm: warning: F=2 \(0\), F=3 \(0\), F=5 \(0\): under half' "$CRM" rfm --format csv
check 'gross: the return is left out' 0 'match:^1,shop:C1,2024-03-01,10,2,3500,' ignore \
	"$CRM" rfm --format csv --returns gross
check '--as-of: later lines are left out, and counted' 0 'inline:id,source_key,last_purchase,recency_days,frequency,monetary,r,f,m,segment
1,shop:C1,2024-03-01,1,2,3500,4,3,3,Potential Loyalist
2,shop:C2,2024-02-01,30,1,5000,2,1,4,Need Attention
4,shop:C4,2024-01-15,47,2,1600,1,3,2,At Risk
5,shop:C5,2024-02-20,11,1,250.5,3,1,1,Promising' \
	'match:^crm rfm: 3 order lines on or after 2024-03-02 left out$' \
	"$CRM" rfm --format csv --as-of 2024-03-02
check '--method ntile splits the tie of frequency 1 by id' 0 \
	'match:^5,shop:C5,2024-02-20,20,1,250.5,3,3,2,' ignore \
	"$CRM" rfm --format csv --method ntile
check '--explain prints what each score stands for' 0 ignore \
	'match:^  M=5  monetary     5000\.\.5000  1 customers$' "$CRM" rfm --format csv --explain
check '--bins 3 --scheme none: scores to 3, no segment' 0 \
	'match:^4,shop:C4,2024-01-15,56,2,1600,1,2,2,$' ignore \
	"$CRM" rfm --format csv --bins 3 --scheme none

# CPM: tenure from the first purchase to the last (C1 51 days, C4 45),
# money, and days since the last purchase against the lapse.
check '--scheme cpm, defaults: two purchases within 90 days are よちよち' 0 \
	'match:^1,shop:C1,2024-03-01,10,2,3200,4,4,4,よちよち現役$' ignore \
	"$CRM" rfm --format csv --scheme cpm
check '... one purchase is 初回' 0 'match:^2,shop:C2,2024-02-01,39,1,5000,2,1,5,初回現役$' ignore \
	"$CRM" rfm --format csv --scheme cpm
check '... tenure, amount and lapse set: 優良現役 and コツコツ離脱' 0 \
	'inline:優良現役 初回現役 初回現役 コツコツ離脱 初回現役' ignore sh -c \
	'"$CRM" rfm --format csv --scheme cpm --cpm-tenure 40,50 --cpm-amount 2000 --cpm-lapse 50 |
	 awk -F, "NR > 1 { printf \"%s%s\", s, \$NF; s = \" \" } END { print \"\" }"'
check '... tenure under the second: 流行' 0 'match:^1,.*,流行現役$' ignore \
	"$CRM" rfm --format csv --scheme cpm --cpm-tenure 40,60 --cpm-amount 2000
check '... an amount with five decimals is a usage error' 2 empty \
	"match:^crm rfm: --cpm-amount takes an amount of money, such as 70000 or 500.50, not '1.23456'$" \
	"$CRM" rfm --scheme cpm --cpm-amount 1.23456
check '... so is a tenure whose first number is not the smaller' 2 empty \
	'match:^crm rfm: --cpm-tenure takes two numbers of days, the first below the second' \
	"$CRM" rfm --scheme cpm --cpm-tenure 210,90
check '... the cpm options without it are a usage error' 2 empty \
	'match:^crm rfm: --cpm-tenure, --cpm-amount and --cpm-lapse are for --scheme cpm$' \
	"$CRM" rfm --cpm-amount 2000

# A scheme of one's own, from a file.
printf '# 自社の区分\n優良: 55 54 45 53 44 35 34\n育成: 52 42 33 43 51 41 31\n要注意: 32 23 22 21\n休眠予備: 25 24 13 15 14\n休眠: 12 11\n' > jp.txt
check 'a scheme file names the segments' 0 'inline:優良 要注意 育成 休眠予備 要注意' ignore sh -c \
	'"$CRM" rfm --format csv --scheme jp.txt | awk -F, "NR > 1 { printf \"%s%s\", s, \$NF; s = \" \" } END { print \"\" }"'
printf 'A: 55 54\nB: 54\n' > twice.txt
check '... a cell named twice is an error with its line' 1 empty \
	'match:^crm rfm: twice.txt:2: cell 54 is named on line 1 already$' \
	"$CRM" rfm --scheme twice.txt
printf 'A: 55 54 53 52 51 45 44 43 42 41 35 34 33 32 31 25 24 23 22 21 15 14 13 12\n' > short.txt
check '... so is a cell no segment names' 1 empty \
	'match:^crm rfm: short.txt: no segment names cell 11 ' "$CRM" rfm --scheme short.txt
check '--save as of a day before any order: a warning that the snapshot is empty' 0 ignore \
	'match:^crm rfm: warning: no one had ordered by then: the snapshot is empty' \
	"$CRM" rfm --as-of 1900-01-01 --save --dry-run
check '... and a name that is neither a scheme nor a file' 2 ignore \
	"match:^crm rfm: --scheme must be rfm11, cpm, none or a scheme file, not 'rfm12' \\(no file of that name here\\)$" \
	"$CRM" rfm --scheme rfm12

# C5 merged into C3: C5's order counts for C3, and C5 is not scored.
printf 'a,b,decision\n3,5,same\n' > same.csv
"$CRM" -q dedupe --decisions same.csv || bail_out 'dedupe --decisions failed'
check 'a merged customer'"'"'s orders count for the survivor' 0 \
	'match:^3,shop:C3,2024-03-10,1,2,350\.5,' 'match:^crm rfm: 4 customers scored' \
	"$CRM" rfm --format csv
check '... and the merged customer is not scored' 0 'not-match:^5,' ignore \
	"$CRM" rfm --format csv

# Snapshots.
check '--save keeps the scores as a run' 0 empty \
	"match:^crm rfm: 4 scores saved as run 4 \\('crm rfm --compare 4' later shows who moved; 'crm log revert 4' removes them\\)$" \
	"$CRM" rfm --save
assert '... a row per customer, and the snapshot' test \
	"$(sqlite3 crm.db 'SELECT count(*) FROM rfm_scores WHERE run_id = 4;
		SELECT as_of, method, bins, returns, scheme, customers FROM rfm_snapshots')" = \
	"4
2024-03-11|rank|5|net|rfm11|4"
# Four customers: ranks 1 to 4 of monetary score 1, 2, 3 and 4; no one 5.
assert '... its thresholds JSON (frozen from no run)' test "$(sqlite3 crm.db \
	"SELECT json_extract(thresholds, '\$.m[3].min'), json_extract(thresholds, '\$.m[4].count')
	   FROM rfm_snapshots")" = '5000|0'
check '--save --dry-run saves nothing' 0 empty \
	'match:^crm rfm: dry run: 4 scores would be saved \(nothing was\)$' \
	"$CRM" rfm --save --dry-run
assert '... (still one snapshot)' test "$(sqlite3 crm.db 'SELECT count(*) FROM rfm_snapshots')" = 1

# Snapshot 4's monetary cut: M=3 from 3200, M=4 from 5000.
"$CRM" -q rfm --format csv > now.csv || bail_out 'rfm failed'
check '--freeze-thresholds of that snapshot: on the same values, the same scores' 0 \
	"file:now.csv" ignore "$CRM" -q rfm --format csv --freeze-thresholds 4
check '... and as of earlier, the cut of then: C1'"'"'s 3500 reaches 3200 (M=3), not 5000' 0 \
	'match:^1,shop:C1,2024-03-01,1,2,3500,4,2,3,' ignore \
	"$CRM" rfm --format csv --freeze-thresholds 4 --as-of 2024-03-02
check '... it takes the run'"'"'s bins: --bins is a usage error' 2 empty \
	"match:^crm rfm: --freeze-thresholds scores as that run did: drop --bins$" \
	"$CRM" rfm --freeze-thresholds 4 --bins 5 --scheme none
check '... with the default scheme too: the --bins to drop is named, not the scheme' 2 empty \
	"match:^crm rfm: --freeze-thresholds scores as that run did: drop --bins$" \
	"$CRM" rfm --freeze-thresholds 4 --bins 4
check '... a run without a snapshot is an error' 1 empty \
	'match:^crm rfm: run 2 \(crm import, ok\) saved no RFM thresholds' \
	"$CRM" rfm --freeze-thresholds 2

# A new order moves C2 (Need Attention) to the top of recency.
printf '注文番号,顧客番号,注文日,金額,status\nO10,C2,2024-03-20,100,ok\nO11,C7,2024-03-20,10,ok\n' \
	> more.csv
"$CRM" -q import --source shop more.csv || bail_out 'import of more.csv failed'
"$CRM" rfm --save --compare 4 --format csv > moves.csv 2> moves.err ||
	bail_out 'rfm --save --compare failed'
run=$(sqlite3 crm.db 'SELECT max(run_id) FROM rfm_snapshots')
assert '--compare: the rows sum to the snapshot'"'"'s segments, the total to its size' \
	test "$(awk -F, 'NR > 1 && $1 == "total" { print $NF }' moves.csv)" = 5
assert '... each column to the segments now' test "$(sqlite3 crm.db \
	"SELECT group_concat(n, ' ') FROM (SELECT segment, count(*) n FROM rfm_scores
	  WHERE run_id = $run GROUP BY segment ORDER BY segment)")" = \
	"$(awk -F, 'NR == 1 { for (i = 2; i < NF - 1; i++) name[i] = $i }
		$1 == "total" { for (i = 2; i < NF - 1; i++) if ($i > 0) print name[i], $i }' moves.csv |
		sort | awk '{ printf "%s%s", sep, $NF; sep = " " } END { print "" }')"
assert '... C7 is new, in a row of its own' test \
	"$(awk -F, '$1 == "(new)" { print $NF }' moves.csv)" = 1
check '... and the summary names both sizes' 0 \
	'match:^crm rfm: 4 customers in the snapshot of run 4, 5 now$' empty cat moves.err
check 'crm log revert of a --save removes its snapshot' 0 ignore ignore "$CRM" log revert "$run"
assert '... its scores and its row' test "$(sqlite3 crm.db \
	"SELECT count(*) FROM rfm_scores WHERE run_id = $run; SELECT count(*) FROM rfm_snapshots")" = \
	"0
1"

# The reference: bench/rfm.sql on generated orders, customer by customer.
mkdir gen && cd gen || bail_out 'mkdir failed'
"$BENCH_GEN" --kind orders --rows 20000 --customers 1500 --seed 15 > orders.csv ||
	bail_out 'bench-gen failed'
"$CRM" -q import --source gen --rejects /dev/null orders.csv 2> /dev/null
"$CRM" -q rfm --format csv > crm.csv || bail_out 'rfm failed'
sqlite3 crm.db < "$SRCDIR/bench/rfm.sql" > ref.txt || bail_out 'the reference query failed'
# monetary back to ten-thousandths, as the reference prints it
awk -F, 'NR > 1 { m = $6; s = ""; if (m ~ /^-/) { s = "-"; m = substr(m, 2) }
	n = split(m, p, "."); f = n > 1 ? p[2] : ""; while (length(f) < 4) f = f "0"
	v = p[1] f; sub(/^0+/, "", v); if (v == "") { v = "0"; s = "" }
	print $1 "|" $3 "|" $4 "|" $5 "|" s v "|" $7 "|" $8 "|" $9 "|" $10 }' crm.csv > crm.txt
check 'the same scores as the reference SQL, for every customer' 0 empty empty \
	diff crm.txt ref.txt
assert '... of many customers' test "$(wc -l < ref.txt)" -gt 1000
cd .. || bail_out 'cd failed'

# Bad input changes nothing and says what is wrong.
check 'a date that does not exist' 2 empty \
	"match:^crm rfm: --as-of takes a date, YYYY-MM-DD, not '2024-02-30'$" \
	"$CRM" rfm --as-of 2024-02-30
check 'bins out of range' 2 empty "match:^crm rfm: --bins takes a whole number from 2 to 10, not '11'$" \
	"$CRM" rfm --bins 11
check 'rfm11 with 3 bins' 2 empty \
	'match:^crm rfm: scheme rfm11 names the cells of 5 bins: with --bins 3 give --scheme none$' \
	"$CRM" rfm --bins 3
"$CRM" -q rfm --save --freeze-thresholds 4 || bail_out 'rfm --save --freeze-thresholds failed'
check 'a frozen snapshot says which run it was frozen from' 0 'inline:4' empty \
	sqlite3 crm.db "SELECT json_extract(thresholds, '\$.frozen_from') FROM rfm_snapshots
	  WHERE run_id = (SELECT max(run_id) FROM rfm_snapshots)"
check '--compare of a run that saved no scores' 1 empty \
	'match:^crm rfm: run 2 \(crm import, ok\) saved no RFM scores' "$CRM" rfm --compare 2
check '--compare of a run that does not exist' 1 empty \
	'match:^crm rfm: there is no run 999 ' "$CRM" rfm --compare 999

# Money beyond 64 bits is an error, not a wrapped sum (the import takes each amount).
printf '注文番号,顧客番号,注文日,金額\nB1,D1,2024-01-01,922337203685477\nB2,D1,2024-01-02,922337203685477\n' \
	> huge.csv
"$CRM" --db huge.db -q import --source shop huge.csv || bail_out 'import of huge.csv failed'
check 'a customer whose amounts overflow 64 bits is an error naming the customer' 1 empty \
	'match:^crm rfm: customer 1: the amounts of the orders add up to more than 64 bits' \
	"$CRM" --db huge.db rfm --format csv
finish
