#!/bin/sh
# One file is one transaction: kill -9 at any moment leaves the database as
# before that file or with all of it, never half; and a busy database makes
# import wait or give up cleanly.
. "$SRCDIR/tests/cli/lib.sh"

[ -n "${BENCH_GEN:-}" ] && [ -x "$BENCH_GEN" ] || bail_out 'BENCH_GEN (the bench-gen program) is not set'
kills=5
newkills=3
rjkills=3
plan $((kills * 3 + newkills * 3 + rjkills + 18))

"$BENCH_GEN" --rows 60000 --seed 7 --bad-rate 0 > big.csv
# Copies: an import writes its rejects beside its input, never in the source tree.
cp "$SRCDIR/tests/data/import/customers.csv" "$SRCDIR/tests/data/import/febrl.csv" .
"$CRM" -q import --source first customers.csv 2>/dev/null
base=$(sqlite3 crm.db 'SELECT count(*) FROM customers')

# The whole file: how many customers it brings in, and how long it takes.
cp crm.db ref.db
start=$(date +%s%N)
"$CRM" --db ref.db -q import --source big big.csv
took=$(( ($(date +%s%N) - start) / 1000000 ))
whole=$(( $(sqlite3 ref.db 'SELECT count(*) FROM customers') - base ))
diag "the whole file: $whole customers in $took ms"

i=1
while [ $i -le $kills ]; do
	cp crm.db victim.db
	rm -f victim.db-wal victim.db-shm
	# Kill somewhere between the start and the end of the import.
	at=$(( (took * i / (kills + 1)) + 5 ))
	"$CRM" --db victim.db -q import --source big big.csv 2>/dev/null &
	pid=$!
	sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	check "kill -9 after $at ms: the database is intact" 0 'inline:ok' empty \
		sqlite3 victim.db 'PRAGMA integrity_check'
	n=$(( $(sqlite3 victim.db 'SELECT count(*) FROM customers') - base ))
	s=$(sqlite3 victim.db "SELECT count(*) FROM source_records WHERE source = 'big'")
	# A run that did not finish is left 'running', exactly when its file is out.
	r=$(sqlite3 victim.db "SELECT count(*) FROM runs WHERE command = 'import' AND status = 'running'")
	result $([ "$n" -eq "$s" ] && { { [ "$n" -eq 0 ] && [ "$r" -le 1 ]; } ||
		{ [ "$n" -eq "$whole" ] && [ "$r" -eq 0 ]; }; } && echo 0 || echo 1) \
		"... and the file is wholly out or wholly in ($n of $whole, $r runs left running)"
	if [ "$r" -eq 1 ]; then
		check '... and crm log shows that run as killed, not running' 0 'inline:1' empty \
			sh -c '"$1" --db victim.db log --format csv | grep -c ",import,killed,"' sh "$CRM"
	else
		skip '... and crm log shows that run as killed' 'killed before its run was recorded'
	fi
	i=$((i + 1))
done

# A new database is loaded with a rollback journal instead of the WAL
# (db.h): the same all-or-nothing under kill -9, and WAL again afterwards.
"$CRM" --db fresh.db -q import --source big big.csv
check 'a first import into a new database leaves it in WAL mode' 0 'inline:wal' empty \
	sqlite3 fresh.db 'PRAGMA journal_mode'
i=1
while [ $i -le $newkills ]; do
	rm -f new.db new.db-wal new.db-shm new.db-journal new.db-lock
	at=$(( (took * i / (newkills + 1)) + 5 ))
	"$CRM" --db new.db -q import --source big big.csv 2>/dev/null &
	pid=$!
	sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	check "new database, kill -9 after $at ms: the database is intact" 0 'inline:ok' empty \
		sqlite3 new.db 'PRAGMA integrity_check'
	n=$(sqlite3 new.db 'SELECT count(*) FROM customers' 2>/dev/null || echo 0)
	s=$(sqlite3 new.db "SELECT count(*) FROM source_records WHERE source = 'big'" 2>/dev/null || echo 0)
	result $([ "$n" -eq "$s" ] && { [ "$n" -eq 0 ] || [ "$n" -eq "$whole" ]; } && echo 0 || echo 1) \
		"... and the file is wholly out or wholly in ($n of $whole)"
	"$CRM" --db new.db -q import --source first customers.csv 2>/dev/null
	check '... and the next import finds it whole and in WAL mode' 0 'inline:wal' empty \
		sqlite3 new.db 'PRAGMA journal_mode'
	i=$((i + 1))
done

# A killed import keeps the last complete rejects file (#12: it was opened
# with O_TRUNC and written as the import went, so 47 of 51 kills destroyed
# the only copy of the rows it rejected). The new rejects go to a temporary
# file and replace the old one only after the file commits.
"$BENCH_GEN" --rows 60000 --seed 11 --bad-rate 0.02 > rj.csv
printf '顧客番号,氏名\nOLD1,\n' > old.csv
"$CRM" --db rj.db -q import --source rj --rejects keep.csv old.csv 2>/dev/null
cp keep.csv keep.before
# How long the whole import takes, on a copy, so that the kills land inside it.
cp rj.db rjtime.db
start=$(date +%s%N)
"$CRM" --db rjtime.db -q import --source rj --rejects timed.csv rj.csv 2>/dev/null
rjtook=$(( ($(date +%s%N) - start) / 1000000 ))
cp rj.db rjbase.db
i=1
while [ $i -le $rjkills ]; do
	at=$(( (rjtook * i / (rjkills + 1)) + 5 ))
	cp rjbase.db rj.db
	rm -f rj.db-wal rj.db-shm
	cp keep.before keep.csv
	"$CRM" --db rj.db -q import --source rj --rejects keep.csv rj.csv 2>/dev/null &
	pid=$!
	sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	st=$?
	# Before the file commits: the old rejects file, as it was. After: the
	# new one, whole, in place or (killed before the rename) beside it.
	if [ "$(sqlite3 rj.db "SELECT count(*) FROM source_records WHERE source = 'rj'")" -eq 0 ]; then
		check "kill -9 after $at ms (exit $st), before the commit: the last rejects file, whole, as it was" \
			0 empty empty cmp keep.csv keep.before
	else
		check "kill -9 after $at ms (exit $st), after the commit: this run's rejects, whole" 0 'inline:yes' empty \
			sh -c 'cmp -s keep.csv timed.csv || for t in keep.csv.tmp-*; do cmp -s "$t" timed.csv && break; done && echo yes'
	fi
	rm -f keep.csv.tmp-*
	i=$((i + 1))
done
cp rjbase.db rj.db
rm -f rj.db-wal rj.db-shm
check 'the import run to its end replaces the rejects file with its own' 3 empty ignore \
	"$CRM" --db rj.db -q import --source rj --rejects keep.csv rj.csv
check '... which holds this run'"'"'s rejects, not the old ones' 0 'inline:0' empty \
	sh -c 'grep -c "^old.csv," keep.csv || :'
check '... and leaves no temporary file' 0 empty empty sh -c '! ls keep.csv.tmp-* 2>/dev/null'

# If the rejects cannot replace the old file after the commit, they stay in
# the temporary file, whole, and import says where (review: the rename's
# failure removed the only copy of the rejected rows).
rm -rf aside.csv aside.csv.tmp-*
printf 'x\n' > aside.csv
"$CRM" --db aside.db -q import --source aside --rejects aside.csv rj.csv 2>aside.err &
pid=$!
n=0
while [ $n -lt 500 ] && ! ls aside.csv.tmp-* >/dev/null 2>&1; do sleep 0.01; n=$((n + 1)); done
rm -f aside.csv && mkdir -p aside.csv/in-the-way
wait $pid
st=$?
check 'a rejects file that cannot replace the old one after the commit: exit 3, saying where it is' 0 \
	'inline:3' empty echo "$st"
check '... the message names the temporary file' 0 "match:what was written is in '.*aside.csv.tmp-" \
	empty cat aside.err
check '... which holds the rejects, whole' 0 'inline:yes' empty sh -c \
	'f=$(ls aside.csv.tmp-*) && [ "$(wc -l < "$f")" -eq "$(wc -l < keep.csv)" ] && echo yes'
rm -rf aside.csv aside.csv.tmp-*

# A FIFO no one writes to is an empty file, not a wait for ever (#12).
mkfifo nowriter.csv
check 'a FIFO with no writer: an empty file, exit 1, at once' 1 empty 'match:nowriter.csv: the file is empty' \
	timeout 20 "$CRM" --db fifo.db import --source f nowriter.csv

# A commit that fails (a full disk, here a file size limit) is not counted:
# the run says what was committed (#12: it was logged with the counts of the
# file that never got in, and "1 file was imported" was said of none).
"$CRM" --db full.db -q init
"$BENCH_GEN" --rows 5000 --seed 3 --bad-rate 0 > c5k.csv
small=$(sqlite3 ref.db "SELECT count(*) FROM source_records WHERE source = 'first'")
check 'a file whose commit fails: exit 1, naming the file' 1 empty 'match:^crm import: c5k.csv: cannot commit' \
	sh -c 'trap "" XFSZ; ulimit -f 1500; exec "$1" --db full.db -q import --source c customers.csv c5k.csv' \
	sh "$CRM"
check '... the run failed, counting only the file that was committed' 0 "inline:failed|1|$small" empty \
	sqlite3 full.db "SELECT status, json_extract(counts, '\$.files'), json_extract(counts, '\$.new')
		FROM runs WHERE command = 'import'"
check '... which is all the database holds' 0 "inline:$small" empty \
	sqlite3 full.db 'SELECT count(*) FROM source_records'

# A writer killed inside a transaction in rollback mode (the first load of a
# new database) leaves a hot journal: a reader opening it read-only failed
# with "attempt to write a readonly database" until a writer came (#12: a
# nightly crm log verify failed on healthy data). Made here by killing a
# sqlite3 whose transaction outgrew its cache.
"$CRM" --db hot.db -q init
sqlite3 hot.db 'PRAGMA journal_mode = DELETE' >/dev/null
printf '%s\n' 'PRAGMA cache_size = 5;' 'BEGIN;' 'CREATE TABLE filler(x);' \
	'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)' \
	'INSERT INTO filler SELECT randomblob(2000) FROM n;' '.shell touch hot.ready; sleep 5' > hot.sql
sqlite3 hot.db < hot.sql >/dev/null 2>&1 &
pid=$!
n=0
while [ ! -e hot.ready ] && [ $n -lt 200 ]; do sleep 0.05; n=$((n + 1)); done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
assert 'a killed transaction left a hot journal' test -s hot.db-journal
check 'crm log verify reads the database at once: the journal is rolled back' 0 empty \
	'match:hash chain intact' "$CRM" --db hot.db log verify
check '... to the database as it was, then readable by any reader' 0 'inline:0' empty \
	sqlite3 -readonly hot.db "SELECT count(*) FROM sqlite_schema WHERE name = 'filler'"

# A writer holding the database: import waits, or with a short timeout gives up.
printf 'BEGIN IMMEDIATE;\n.shell touch held\n.shell sleep 2\nCOMMIT;\n' | sqlite3 crm.db >/dev/null &
holder=$!
while [ ! -e held ]; do sleep 0.05; done
check 'with the database held, CRM_BUSY_TIMEOUT=200 gives exit 4' 4 empty \
	'match:database is busy.*nothing was changed' \
	env CRM_BUSY_TIMEOUT=200 "$CRM" -q import --source busy febrl.csv
check '... and stored nothing' 0 'inline:0' empty \
	sqlite3 crm.db "SELECT count(*) FROM source_records WHERE source = 'busy'"
check 'with the default timeout the import waits and succeeds' 0 empty empty \
	"$CRM" -q import --source busy febrl.csv
wait $holder
check '... all of it' 0 'inline:2' empty \
	sqlite3 crm.db "SELECT count(*) FROM source_records WHERE source = 'busy'"

finish
