#!/bin/sh
# kill -9 at random points of import, re-import, cleanse and revert (#12):
# after each kill the database passes integrity_check and crm log verify,
# holds exactly the state before the command or exactly the state after it
# (compared with a run of the same command to its end) or, for a cleanse,
# which commits in parts, some of its parts (then reverting the killed run
# gives the customers before, and a cleanse again those after), its run is not
# 'running' in crm log, and the rejects file is the previous one or the
# new one, each whole. CRM_KILLS sets the kills per command (default 13:
# 52 in all); the figures are printed as diagnostics.
. "$SRCDIR/tests/cli/lib.sh"

[ -n "${BENCH_GEN:-}" ] && [ -x "$BENCH_GEN" ] || bail_out 'BENCH_GEN (the bench-gen program) is not set'
kills=${CRM_KILLS:-13}
ops='import reimport cleanse revert'
plan $((4 * kills))

rows=8000
"$BENCH_GEN" --rows $rows --seed 1 --bad-rate 0.01 > v1.csv
"$BENCH_GEN" --rows $rows --seed 2 --bad-rate 0.01 > v2.csv

# The state of a database, to compare exactly: every row of the tables a
# command changes, each timestamp (a run's own time) and hash (which chains
# them) written as T, so that a run of the same command at another moment
# gives the same text.
state()
{
	for t in customers source_records source_records_raw orders changes import_mappings; do
		cols=$(sqlite3 "$1" "SELECT group_concat(
			CASE WHEN name = 'hash' THEN '''H'''
			ELSE 'CASE WHEN \"' || name || '\" GLOB ''[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'''
			     || ' THEN ''T'' ELSE \"' || name || '\" END' END, ', ')
			FROM pragma_table_info('$t')" 2>/dev/null)
		[ -n "$cols" ] || continue
		echo "== $t"
		sqlite3 "$1" "SELECT $cols FROM \"$t\" ORDER BY 1"
	done | cksum
}

# The customers alone, as state() has them.
customers()
{
	sqlite3 "$1" "SELECT * FROM customers ORDER BY id" |
		sed 's/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:.]*Z/T/g' | cksum
}

# The database before each command, and the command.
prepare()
{
	rm -f base.db base.db-wal base.db-shm base.db-lock
	"$CRM" --db base.db -q init >/dev/null
	case $1 in
	import) ;;
	reimport|revert) "$CRM" --db base.db -q import --source s --rejects old.rej v1.csv 2>/dev/null ;;
	cleanse) "$CRM" --db base.db -q import --no-cleanse --source s --rejects old.rej v1.csv 2>/dev/null ;;
	esac
	[ "$1" = revert ] && "$CRM" --db base.db -q import --source s --rejects old.rej v2.csv 2>/dev/null
	: >old.rej.keep
	[ -e old.rej ] && cp old.rej old.rej.keep
	return 0
}

# op_args OP DB REJECTS: the command's arguments, set as "$@" by the caller
# (eval), so that crm runs as the process killed, not a shell around it.
op_args()
{
	case $1 in
	import) echo '--db "$db" -q import --source s --rejects "$rej" v1.csv' ;;
	reimport) echo '--db "$db" -q import --source s --rejects "$rej" v2.csv' ;;
	cleanse) echo '--db "$db" -q cleanse' ;;
	revert) echo '--db "$db" -q log revert "$(sqlite3 "$db" "SELECT max(id) FROM runs")"' ;;
	esac
}

copy_base()
{
	rm -f "$1" "$1-wal" "$1-shm" "$1-lock" "$1-journal"
	cp base.db "$1"
}

total=0 before_n=0 after_n=0 part_n=0
# Parts of 20 ms, so that a cleanse of these rows is killed between parts.
CRM_TEST_PART_MS=20
export CRM_TEST_PART_MS
for op in $ops; do
	prepare "$op"
	before=$(state base.db)
	copy_base ref.db
	cp old.rej.keep ref.rej
	start=$(date +%s%N)
	db=ref.db rej=ref.rej
	eval "set -- $(op_args "$op")"
	"$CRM" "$@" >/dev/null 2>&1
	took=$(( ($(date +%s%N) - start) / 1000000 ))
	after=$(state ref.db)
	before_customers=$(customers base.db)
	after_customers=$(customers ref.db)
	[ "$before" != "$after" ] || bail_out "$op changed nothing: no test"
	diag "$op: $took ms to its end"
	i=1
	while [ $i -le $kills ]; do
		copy_base victim.db
		cp old.rej.keep victim.rej
		# Somewhere in the command, from its start to a little past its end.
		at=$(awk -v s="$i$op" -v t="$took" 'BEGIN { n = 0; for (k = 1; k <= length(s); k++)
			n = n * 31 + index("0123456789abcdefghijklmnopqrstuvwxyz", substr(s, k, 1));
			srand(n % 2147483647); printf "%d", rand() * t * 1.1 }')
		db=victim.db rej=victim.rej
		eval "set -- $(op_args "$op")"
		"$CRM" "$@" >/dev/null 2>&1 &
		pid=$!
		sleep "$(printf '%d.%03d' $((at / 1000)) $((at % 1000)))"
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		st=$?
		why=
		ok=$(sqlite3 victim.db 'PRAGMA integrity_check' 2>&1)
		[ "$ok" = ok ] || why="$why integrity_check: $ok;"
		"$CRM" --db victim.db log verify >/dev/null 2>verify.err ||
			why="$why crm log verify: $(cat verify.err);"
		now=$(state victim.db)
		if [ "$now" = "$before" ]; then
			was=before
			before_n=$((before_n + 1))
		elif [ "$now" = "$after" ]; then
			was=after
			after_n=$((after_n + 1))
		elif [ "$op" = cleanse ]; then
			# A cleanse commits in parts: killed between them, what it did
			# is reverted whole, and a cleanse again does the rest.
			was="of some parts of"
			part_n=$((part_n + 1))
			cp victim.db again.db
			rm -f again.db-wal again.db-shm
			"$CRM" --db again.db -q cleanse >/dev/null 2>&1
			[ "$(customers again.db)" = "$after_customers" ] ||
				why="$why a cleanse again does not end where a whole one does;"
			killed=$(sqlite3 victim.db "SELECT max(id) FROM runs WHERE command = 'cleanse'")
			"$CRM" --db victim.db -q log revert "$killed" >/dev/null 2>&1 ||
				why="$why the killed run $killed cannot be reverted;"
			[ "$(customers victim.db)" = "$before_customers" ] ||
				why="$why its revert does not give the customers before;"
		else
			was=neither
			why="$why the state is neither the one before nor the one after;"
		fi
		if "$CRM" --db victim.db log --format csv 2>/dev/null | cut -d, -f5 | grep -qx running; then
			why="$why crm log shows a run 'running';"
		fi
		# Before the command: the old rejects file. After it: the new one,
		# whole, in place or (killed before the rename) beside it.
		if [ "$was" = before ] && ! cmp -s victim.rej old.rej.keep; then
			why="$why the state is the one before, the rejects file not the old one;"
		elif [ "$was" = after ] && ! cmp -s victim.rej ref.rej &&
		     ! for t in victim.rej.tmp-*; do cmp -s "$t" ref.rej && break; done; then
			why="$why the state is the one after, the new rejects neither in place nor beside it;"
		fi
		result "$([ -z "$why" ]; echo $?)" \
			"$op: kill -9 after $at ms (exit $st): whole, the state $was the command" "$why"
		rm -f victim.rej.tmp-*
		total=$((total + 1))
		i=$((i + 1))
	done
done
diag "$total kills: $before_n left the state before the command, $after_n the state after it, $part_n a cleanse part-way"

finish
