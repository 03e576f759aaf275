#!/bin/sh
# Concurrency: a writer that holds the database makes crm wait up to the
# busy timeout, then fail with exit 4 having changed nothing; never hang.
. "$SRCDIR/tests/cli/lib.sh"

plan 10

# Holds SQLite's write lock on $1 for $2 seconds, the way an analyst's
# sqlite3 session would; touches $1.held once it has the lock.
hold() {
	rm -f "$1.held"
	printf 'BEGIN IMMEDIATE;\n.shell touch %s.held\n.shell sleep %s\nCOMMIT;\n' "$1" "$2" |
		sqlite3 "$1" >/dev/null &
	holder=$!
	i=0
	while [ ! -e "$1.held" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# An empty file needs its schema: init must write, so it must wait.
: > a.db
hold a.db 2
start=$(date +%s%N)
check 'with CRM_BUSY_TIMEOUT=100 a blocked writer fails with exit 4' 4 empty \
	"match:^crm init: database is busy: another process kept 'a.db' locked for more than 100 ms \\(CRM_BUSY_TIMEOUT\\); nothing was changed, try again later$" \
	env CRM_BUSY_TIMEOUT=100 "$CRM" --db a.db init
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
result $([ "$elapsed" -lt 1500 ] && echo 0 || echo 1) "... after about 100 ms, not a hang (took $elapsed ms)"
assert '... and changed nothing' test ! -s a.db
wait "$holder"

: > b.db
hold b.db 2
start=$(date +%s%N)
check 'with the default timeout the second writer waits and succeeds' 0 \
	"match:^created crm database .*/b.db " empty "$CRM" --db b.db init
elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
result $([ "$elapsed" -ge 1000 ] && echo 0 || echo 1) "... after the holder let go (waited $elapsed ms)"
wait "$holder"
version=$("$CRM" --version | sed -n 's/.*(schema \([0-9]*\),.*/\1/p')
check '... and the holder succeeded too' 0 "inline:$version" empty sqlite3 b.db 'PRAGMA user_version'

# Two crm processes creating the same database at once: both succeed, one
# creates it, the other finds it made, and there is exactly one schema.
"$CRM" --db c.db init > c1.out 2> c1.err &
p1=$!
"$CRM" --db c.db init > c2.out 2> c2.err &
p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
result $([ $s1 -eq 0 ] && [ $s2 -eq 0 ] && [ ! -s c1.err ] && [ ! -s c2.err ] && echo 0 || echo 1) \
	'two inits racing both exit 0 quietly' "statuses $s1 $s2" "$(cat c1.err c2.err)"
check '... leaving one created run' 0 'inline:1' empty \
	sqlite3 c.db "SELECT count(*) FROM runs WHERE command = 'init'"

# A writer that must wait says so, and for whom, on a terminal. The other
# writer is played by flock(1) on crm's queue lock, with the note a crm
# writer leaves there.
if command -v script >/dev/null && command -v flock >/dev/null; then
	"$CRM" -q --db w.db init
	printf '4242 crm import\n' > w.db-lock
	flock w.db-lock sh -c 'touch w.held; sleep 2' &
	holder=$!
	i=0
	while [ ! -e w.held ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	check 'a writer waiting for another says for whom, on a terminal' 0 \
		'match:crm: waiting for the database: crm import \(pid 4242\) is writing to it' empty \
		script -qec "\"$CRM\" --db w.db --no-progress cleanse --dry-run --format csv >/dev/null" /dev/null
	wait "$holder"
else
	skip 'a writer waiting for another says for whom, on a terminal' 'script(1) or flock(1) is missing'
fi

# A long cleanse lets other writers in between its parts (#12: an importer
# waited 7.85 s behind one): an import started while it runs is done before
# it. Parts of 50 ms here, the cleanse a second or more.
[ -n "${BENCH_GEN:-}" ] && [ -x "$BENCH_GEN" ] || bail_out 'BENCH_GEN (the bench-gen program) is not set'
"$BENCH_GEN" --rows 40000 --seed 9 --drift-rate 0.6 > many.csv
"$CRM" --db long.db -q import --source many --rejects many.rej many.csv 2>/dev/null
printf 'id,氏名\nQ1,割込 太郎\n' > one.csv
rm -f cleansed imported
(CRM_TEST_PART_MS=50 "$CRM" --db long.db -q cleanse && date +%s%N > cleansed) &
cleanser=$!
# Once the cleanse has committed a part: it is under way, whatever the machine's speed.
n=0
while [ $n -lt 500 ] && [ -z "$(sqlite3 long.db "SELECT 1 FROM runs WHERE command = 'cleanse' AND counts IS NOT NULL" 2>/dev/null)" ]; do
	sleep 0.01
	n=$((n + 1))
done
"$CRM" --db long.db -q import --source one one.csv && date +%s%N > imported
wait "$cleanser"
check 'an import started during a long cleanse is done before the cleanse' 0 'inline:yes' empty \
	sh -c '[ -s imported ] && [ -s cleansed ] && [ "$(cat imported)" -lt "$(cat cleansed)" ] && echo yes'

finish
