#!/bin/sh
# crm rfm --ltv (#18): the options and their bad values, a database that
# cannot support a fit, the columns on generated orders (ltv = monetary +
# predicted_value exactly, one purchase P(alive) 1, the same output every
# run), --explain's parameter lines, --holdout's table, --discount and
# --horizon moving the value the right way, --save with the model kept
# and segments on p_alive and ltv, revert, and the report.
. "$SRCDIR/tests/cli/lib.sh"

plan 51

export CRM_USER=tester
have sqlite3 || bail_out 'sqlite3(1) is needed (README installs it)'
[ -n "${BENCH_GEN:-}" ] && [ -x "$BENCH_GEN" ] || bail_out 'BENCH_GEN (the bench-gen program) is not set'

"$CRM" -q init || bail_out 'init failed'

# --- the options ---------------------------------------------------------
check '--horizon without --ltv is a usage error' 2 empty 'match:^crm rfm: --horizon is for --ltv$' \
	"$CRM" rfm --horizon 12m
check '--holdout without --ltv too' 2 empty 'match:--holdout is for --ltv' "$CRM" rfm --holdout 30
check '--horizon needs a unit' 2 empty \
	"match:--horizon takes a length such as 12m, 90d, 26w or 2y \(at most 100 years\), not '12'" \
	"$CRM" rfm --ltv --horizon 12
check '--horizon of nothing' 2 empty "match:not '0m'" "$CRM" rfm --ltv --horizon 0m
check '--horizon past 100 years' 2 empty "match:not '101y'" "$CRM" rfm --ltv --horizon 101y
check '--horizon of an unknown unit' 2 empty "match:not '12h'" "$CRM" rfm --ltv --horizon 12h
check '--discount over 100%' 2 empty \
	"match:--discount takes a year's rate such as 0.08 or 8% \(at most 1, or 100%\), not '1.5'" \
	"$CRM" rfm --ltv --discount 1.5
check '--discount not a number' 2 empty "match:not '8%x'" "$CRM" rfm --ltv --discount 8%x
check '--discount negative' 2 empty "match:not '-0.1'" "$CRM" rfm --ltv --discount -0.1
check '--holdout of 0 days' 2 empty "match:--holdout takes a number of days from 1 to 36500, such as 90, not '0'" \
	"$CRM" rfm --ltv --holdout 0
check '--holdout not a number' 2 empty "match:not '9x'" "$CRM" rfm --ltv --holdout 9x
check '--holdout past 100 years' 2 empty "match:not '36501d'" "$CRM" rfm --ltv --holdout 36501d

# --- no data to fit ------------------------------------------------------
check 'an empty database: no repeat buyer to fit, said so' 1 empty \
	'match:^crm rfm: --ltv: 0 of the 0 customers scored bought on two days or more: fitting the model needs at least 10 such repeat buyers$' \
	"$CRM" rfm --ltv --format csv
check '... with --holdout too (no day to hold out from)' 1 empty \
	'match:^crm rfm: --ltv: 0 of the 0 customers scored' "$CRM" rfm --ltv --holdout 90 --format csv
"$CRM" -q import --source shop "$SRCDIR/tests/data/rfm/orders.csv" || bail_out 'import of orders.csv failed'
check 'five customers, two repeat buyers: not enough, and nothing written' 1 empty \
	'match:--ltv: 2 of the 5 customers scored bought on two days or more' \
	"$CRM" rfm --ltv --format csv

# --- generated orders ------------------------------------------------------
"$BENCH_GEN" --kind orders --rows 4000 --customers 300 --seed 7 > orders.csv
rm -f crm.db
"$CRM" -q init || bail_out 'init failed'
"$CRM" -q import --source gen orders.csv 2>/dev/null
[ "$(sqlite3 crm.db 'SELECT count(*) FROM customers')" -gt 250 ] || bail_out 'import of generated orders failed'
# The generator's customers never leave: a third of them stop buying in 2023, so that some are
# likely gone (P(alive) well under 1).
sqlite3 crm.db "DELETE FROM orders WHERE customer_id % 3 = 0 AND ordered_at >= '2023'" ||
	bail_out 'cannot thin the orders'

check 'the columns: the scores, then value to date and the prediction' 0 \
	'match:^id,source_key,last_purchase,recency_days,frequency,monetary,r,f,m,segment,tenure_days,repeat_days,first_to_last_days,aov,expected_purchases,p_alive,expected_aov,predicted_value,ltv$' \
	ignore "$CRM" rfm --ltv --format csv
cp "$CHECK_OUT" ltv.csv
num='-?[0-9]+(\.[0-9]+)?'
check '--format json: money and the model'"'"'s figures are JSON numbers, not strings' 0 \
	"match:^\\{\"id\":1,.*\"monetary\":$num,.*\"aov\":$num,\"expected_purchases\":$num,\"p_alive\":$num,\"expected_aov\":$num,\"predicted_value\":$num,\"ltv\":$num\\}\$" \
	ignore "$CRM" rfm --ltv --format json
assert 'every customer: ltv is monetary plus predicted_value, to the ten-thousandth' \
	awk -F, 'NR > 1 { d = $19 * 10000 - $6 * 10000 - $18 * 10000; if (d > 0.5 || d < -0.5) bad++ }
		END { exit bad || NR < 250 }' ltv.csv
assert 'every customer: aov is monetary over frequency, P(alive) a probability' \
	awk -F, 'NR > 1 { d = $14 - $6 / $5; if (d > 0.0001 || d < -0.0001) bad++
		if ($16 <= 0 || $16 > 1 || $15 < 0) bad++ } END { exit bad }' ltv.csv
assert 'one order is one purchase day: no repeat, P(alive) is 1 (and there are such customers)' \
	awk -F, 'NR > 1 && $5 == 1 { n++; if ($16 != "1.0000" || $12 != 0 || $13 != 0) bad++ }
		END { exit bad || !n }' ltv.csv
assert 'repeat_days and first_to_last_days: purchase days after the first, and their span, by sqlite3' \
	sh -c '[ "$(sqlite3 crm.db "SELECT customer_id, count(DISTINCT substr(ordered_at, 1, 10)) - 1, CAST(julianday(max(substr(ordered_at, 1, 10))) - julianday(min(substr(ordered_at, 1, 10))) AS INTEGER) FROM orders WHERE status = \"ok\" GROUP BY customer_id ORDER BY customer_id" | tr "|" ,)" = "$(awk -F, "NR > 1 { print \$1 \",\" \$12 \",\" \$13 }" ltv.csv)" ]'
assert 'tenure_days is the days from the first purchase to the day before the as-of date' \
	sh -c '[ "$(sqlite3 crm.db "SELECT CAST(julianday(\"2025-11-22\") - julianday(min(substr(ordered_at, 1, 10))) AS INTEGER) FROM orders WHERE customer_id = 1 AND status = \"ok\"")" = "$(awk -F, "\$1 == 1 { print \$11 }" ltv.csv)" ]'
check 'the same output every run, byte for byte' 0 file:ltv.csv ignore "$CRM" rfm --ltv --format csv

check '--explain: the fitted parameters on lines of their own' 0 ignore \
	'match:^bgnbd r=[0-9.e+-]+ alpha=[0-9.e+-]+ a=[0-9.e+-]+ b=[0-9.e+-]+$' \
	"$CRM" rfm --ltv --explain --format csv
grep -E -q '^gamma_gamma p=[0-9.e+-]+ q=[0-9.e+-]+ v=[0-9.e+-]+$' "$CHECK_ERR" &&
	grep -E -q '^bgnbd log-likelihood -[0-9.]+, [0-9]+ iterations, converged' "$CHECK_ERR" &&
	grep -E -q '^crm rfm: ltv: [0-9,]+ customers, [0-9,]+ of them bought on two days or more; [0-9,]+ distinct \(x, t_x, T\); time in days; horizon 12 months$' "$CHECK_ERR"
result $? '... Gamma-Gamma, the log-likelihoods and what was fitted' "$(cat "$CHECK_ERR")"

check '--holdout 60: the calibration table, by repeat purchases before, and its total' 0 ignore \
	'match:^repeat_before +customers +actual +predicted +actual_avg +predicted_avg$' \
	"$CRM" rfm --ltv --holdout 60 --format csv
grep -E -q '^7\+ ' "$CHECK_ERR" && grep -E -q '^total +[0-9]+ ' "$CHECK_ERR" &&
	grep -E -q '^crm rfm: holdout: fitted on the purchases before 2025-09-24, predicting the 60 days from it' "$CHECK_ERR" &&
	grep -E -q '^crm rfm: holdout: predicted [0-9.]+ purchase days, actual [0-9]+ \([+-][0-9.]+%\)$' "$CHECK_ERR"
result $? '... the first day held out, the rows and the comparison' "$(cat "$CHECK_ERR")"
# the actual total is the purchase days from 2025-09-24 of the customers who bought before it
want=$(sqlite3 crm.db "SELECT count(DISTINCT customer_id || substr(ordered_at, 1, 10)) FROM orders
	WHERE status = 'ok' AND substr(ordered_at, 1, 10) >= '2025-09-24'
	AND customer_id IN (SELECT customer_id FROM orders WHERE status = 'ok' AND ordered_at < '2025-09-24')")
grep -E -q "^total +[0-9]+ +$want " "$CHECK_ERR"
result $? "... its actual total is the $want purchase days held out, counted by sqlite3" "$(grep total "$CHECK_ERR")"
check '--holdout longer than the history: said so' 1 ignore \
	'match:^crm rfm: --holdout 3000: no one had bought before 2017-09-06 \(the first purchase is on 2020-01-0[0-9]\): hold out fewer days$' \
	"$CRM" rfm --ltv --holdout 3000 --format csv

sum_value() { awk -F, 'NR > 1 { s += $18 } END { printf "%.0f\n", s }' "$1"; }
"$CRM" rfm --ltv --discount 8% --format csv > disc.csv 2>/dev/null
"$CRM" rfm --ltv --horizon 24m --format csv > h24.csv 2>/dev/null
"$CRM" rfm --ltv --horizon 365d --format csv > h365.csv 2>/dev/null
[ "$(sum_value disc.csv)" -lt "$(sum_value ltv.csv)" ] && [ "$(sum_value disc.csv)" -gt $(( $(sum_value ltv.csv) * 90 / 100 )) ]
result $? '--discount 8%: a little less value than undiscounted' "$(sum_value disc.csv) vs $(sum_value ltv.csv)"
[ "$(sum_value h24.csv)" -gt "$(sum_value ltv.csv)" ]
result $? '--horizon 24m: more than 12m' "$(sum_value h24.csv) vs $(sum_value ltv.csv)"
[ "$(sum_value h365.csv)" -le "$(sum_value ltv.csv)" ] && [ "$(sum_value h365.csv)" -gt $(( $(sum_value ltv.csv) * 99 / 100 )) ]
result $? '--horizon 365d: a quarter day short of 12m' "$(sum_value h365.csv) vs $(sum_value ltv.csv)"

# --- --save, segments, revert, report ------------------------------------------
check '--save --dry-run saves nothing' 0 empty 'match:would be saved \(nothing was\)' \
	"$CRM" rfm --ltv --save --dry-run
[ "$(sqlite3 crm.db 'SELECT count(*) FROM rfm_scores')" = 0 ]
result $? '... no scores in the database'
check '--save keeps the predictions with the scores' 0 empty 'match:saved as run [0-9]+' \
	"$CRM" rfm --ltv --save
run=$(sqlite3 crm.db 'SELECT max(run_id) FROM rfm_snapshots')
[ "$(sqlite3 crm.db "SELECT count(*) FROM rfm_scores WHERE run_id = $run AND p_alive IS NOT NULL
	AND predicted_value IS NOT NULL AND ltv = monetary + predicted_value")" = "$(($(wc -l < ltv.csv) - 1))" ]
result $? '... every customer: p_alive, predicted_value, and ltv = monetary + predicted_value'
sqlite3 crm.db "SELECT customer_id, printf('%.4f', p_alive), predicted_value, ltv FROM rfm_scores
	WHERE run_id = $run ORDER BY customer_id" | awk -F'|' '{ printf "%s,%s\n", $1, $2 }' > saved.txt
awk -F, 'NR > 1 { print $1 "," $16 }' ltv.csv | cmp -s - saved.txt
result $? '... the same P(alive) as printed'
[ "$(sqlite3 crm.db "SELECT json_extract(ltv, '\$.bgnbd.r') > 0 AND json_extract(ltv, '\$.gamma_gamma.q') > 0
	AND json_extract(ltv, '\$.horizon_days') = 365.25 FROM rfm_snapshots WHERE run_id = $run")" = 1 ]
result $? '... and the fitted model with the snapshot'
want=$(sqlite3 crm.db "SELECT count(*) FROM rfm_scores WHERE run_id = $run AND ltv > 1000000000")
check 'segment: ltv > 100000 counts what the saved scores hold' 0 "inline:$want" ignore \
	"$CRM" segment count --where 'ltv > 100000'
want=$(sqlite3 crm.db "SELECT count(*) FROM rfm_scores WHERE run_id = $run AND round(p_alive * 10000) < 5000")
[ "$want" -gt 10 ] && [ "$want" -lt 150 ]
result $? "... customers who stopped in 2023 are likely gone: $want of P(alive) under 0.5"
check '... p_alive < 0.5 counts them' 0 "inline:$want" ignore "$CRM" segment count --where 'p_alive < 0.5'
check '... and shows p_alive as a fraction' 0 'match:^[0-9]+,gen:C[0-9]+,[^,]*,0\.[0-4][0-9]*$' ignore \
	"$CRM" segment show --where 'p_alive < 0.5' --format csv
"$CRM" -q rfm --save || bail_out 'rfm --save failed'
check 'scores saved since without --ltv: naming p_alive is an error that says so' 1 empty \
	'match:p_alive comes from scores saved by crm rfm --ltv --save, and the latest as of .* was saved without --ltv' \
	"$CRM" segment count --where 'p_alive < 0.5'
check 'revert of the --ltv snapshot removes it' 0 ignore ignore "$CRM" log revert "$run"
[ "$(sqlite3 crm.db "SELECT count(*) FROM rfm_scores WHERE run_id = $run") $(sqlite3 crm.db "SELECT count(*) FROM rfm_snapshots WHERE run_id = $run")" = '0 0' ]
result $? '... scores and snapshot both'

check '--report with --ltv and --holdout' 0 ignore ignore \
	"$CRM" rfm --ltv --holdout 60 --report ltv.html --format csv
grep -q '<h2>Lifetime value (LTV)</h2>' ltv.html && grep -q '<h2>LTV: money to date plus the predicted value</h2>' ltv.html &&
	grep -q '<h2>Value predicted and value at risk, by segment</h2>' ltv.html &&
	grep -q '<h2>Calibration and holdout</h2>' ltv.html && ! grep -q '<script' ltv.html
result $? '... the model, the LTV buckets, value at risk by segment, the holdout table'

check '--report of a device: refused before anything runs' 2 ignore \
	"match:^crm rfm: --report '/dev/null' is not a regular file" "$CRM" rfm --ltv --report /dev/null
check '--report of an empty name' 2 ignore "match:^crm rfm: --report '' is an empty name" \
	"$CRM" rfm --ltv --report ''
check '--report of the database' 2 ignore "match:^crm rfm: --report 'crm.db' is the database" \
	"$CRM" rfm --ltv --report crm.db
[ -c /dev/null ] && [ -z "$(ls -A . | grep '^\.tmp')" ]
result $? '... /dev/null still a device, no temporary file left' "$(ls -la /dev/null; ls -A .)"

finish
