#!/bin/sh
# crm init: creation, permissions, idempotence, where the database lives,
# and refusal of files crm must not touch.
. "$SRCDIR/tests/cli/lib.sh"

plan 27

version=$("$CRM" --version | sed -n 's/.*(schema \([0-9]*\),.*/\1/p')
umask 022
check 'init creates the database' 0 \
	"inline:created crm database $TEST_DIR/crm.db (schema version $version)" empty "$CRM" init
assert 'the file is mode 0600 under umask 022' test "$(stat -c %a crm.db)" = 600
check 'init again says it exists, exit 0' 0 \
	"inline:crm database $TEST_DIR/crm.db already exists (schema version $version)" empty \
	"$CRM" init
check 'user_version is the schema version' 0 "inline:$version" empty \
	sqlite3 crm.db 'PRAGMA user_version'
check 'journal_mode is wal' 0 'inline:wal' empty sqlite3 crm.db 'PRAGMA journal_mode'
check 'a new database has 16 KiB pages' 0 'inline:16384' empty sqlite3 crm.db 'PRAGMA page_size'
check 'creation is one run in the log, the second init none' 0 \
	"inline:init|ok|{\"schema_from\":0,\"schema_to\":$version}" empty \
	sqlite3 crm.db 'SELECT command, status, counts FROM runs'
check 'the run names its actor from CRM_USER' 0 'inline:佐藤' empty \
	sh -c 'CRM_USER=佐藤 "$1" --db actor.db init >/dev/null && sqlite3 actor.db "SELECT actor FROM runs"' \
	sh "$CRM"
umask 077
check 'init under umask 077 works' 0 'match:^created' empty "$CRM" --db u077.db init
assert 'and the file is mode 0600' test "$(stat -c %a u077.db)" = 600
umask 022

# Where the database lives: --db, then $CRM_DB, then ./crm.db.
mkdir sub
check 'CRM_DB names the database' 0 "match:^created crm database $TEST_DIR/sub/env.db " empty \
	env CRM_DB=sub/env.db "$CRM" init
check '--db wins over CRM_DB' 0 "match:^created crm database $TEST_DIR/sub/opt.db " empty \
	env CRM_DB=sub/env.db "$CRM" --db sub/opt.db init
check 'a missing directory is a clear error' 1 empty \
	"match:^crm init: cannot create database 'nodir/x.db': No such file or directory$" \
	"$CRM" --db nodir/x.db init
assert '... and creates nothing' test ! -e nodir

# Files crm must refuse, and leave as they were.
cp crm.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 99' >/dev/null
cp newer.db newer.orig
check 'a newer schema is refused' 1 empty \
	"match:^crm init: database 'newer.db' has schema version 99, newer than this crm understands \\($version\\): use a newer crm$" \
	"$CRM" --db newer.db init
assert '... and left untouched' cmp newer.db newer.orig
printf 'name,email\nyamada,taro@example.jp\n' > list.csv
cp list.csv list.orig
check 'a CSV file given as the database is refused' 1 empty \
	"match:^crm init: 'list.csv' is not a crm database" "$CRM" --db list.csv init
assert '... and left untouched' cmp list.csv list.orig
sqlite3 other.db 'CREATE TABLE t(x)'
cp other.db other.orig
check "another program's SQLite file is refused" 1 empty \
	"match:^crm init: 'other.db' is an SQLite database but not a crm database$" \
	"$CRM" --db other.db init
assert '... and left untouched' cmp other.db other.orig
: > empty.db
check 'an empty file becomes a database' 0 "match:^created crm database $TEST_DIR/empty.db " empty \
	"$CRM" --db empty.db init

# Permissions, checked as an unprivileged user (root writes through modes).
if [ "$(id -u)" -eq 0 ] && have setpriv; then
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	chmod 755 "$TEST_TMP" "$TEST_DIR"
	mkdir ro rw
	chmod 755 ro
	chmod 777 rw
	"$CRM" --db rw/root.db init >/dev/null
	chmod 644 rw/root.db
	check 'a read-only directory gets crm'"'"'s own message' 1 empty \
		"match:^crm init: cannot create database 'ro/x.db': directory 'ro' is not writable$" \
		as_nobody "$CRM" --db ro/x.db init
	check 'a read-only database file gets crm'"'"'s own message' 1 empty \
		"match:^crm init: database 'rw/root.db' is read-only \\(Permission denied\\)$" \
		as_nobody "$CRM" --db rw/root.db init
	cp rw/root.db rodir.db && chmod 666 rodir.db
	mkdir rodir && mv rodir.db rodir/crm.db && chmod 755 rodir
	check 'a writable database in a read-only directory is explained' 1 empty \
		"match:directory 'rodir' is not writable: SQLite needs to create 'rodir/crm.db-wal'" \
		as_nobody "$CRM" --db rodir/crm.db init
else
	skip 'read-only directory message' 'needs root and setpriv to act as nobody'
	skip 'read-only file message' 'needs root and setpriv to act as nobody'
	skip 'read-only directory with writable file' 'needs root and setpriv to act as nobody'
fi

check 'init takes no arguments' 2 empty "match:^crm init: unexpected argument 'extra'$" \
	"$CRM" --db args.db init extra
assert '... and a usage error creates no database' test ! -e args.db
check 'an unknown option of init is a usage error' 2 empty 'match:^usage: crm \[--db <file>\] init$' \
	"$CRM" --db args.db init --bogus

finish
