#!/bin/sh
# The dispatcher: global options, unknown commands, help, exit codes, and
# write errors on stdout.
. "$SRCDIR/tests/cli/lib.sh"

plan 20

usage_re='^usage: crm \[--db <file>\]'
check 'no command: usage on stderr, exit 2' 2 empty "match:$usage_re" "$CRM"
check 'unknown command: the git-style message, exit 2' 2 empty \
	"inline:crm: 'nosuch' is not a crm command. See 'crm --help'." "$CRM" nosuch
check 'an option name is not a command either' 2 empty \
	"inline:crm: 'init-db' is not a crm command. See 'crm --help'." "$CRM" init-db
check '--help lists the commands with summaries' 0 'match:^  init +create the database' empty \
	"$CRM" --help
check '-h is --help' 0 'match:^Commands:$' empty "$CRM" -h
check 'help with no command is --help' 0 'match:^Exit status: 0 done' empty "$CRM" help
check '--version names the schema and SQLite' 0 \
	'match:^crm [0-9]+\.[0-9]+\.[0-9]+ \(schema [0-9]+, SQLite 3\.[0-9.]+\)$' empty "$CRM" --version
check '--list-cmds prints one name a line' 0 'inline:init
import
log
cleanse' empty "$CRM" --list-cmds
check 'an unknown long option is a usage error' 2 empty "match:^crm: unknown option '--bogus'$" \
	"$CRM" --bogus init
check 'an unknown short option is a usage error' 2 empty "match:^crm: unknown option '-x'$" \
	"$CRM" -x init
check '--db without a value is a usage error' 2 empty "match:^crm: option '--db' needs a value$" \
	"$CRM" --db
check '--db with an empty value is a usage error' 2 empty 'match:^crm: --db needs a file name$' \
	"$CRM" --db '' init
check 'a bad CRM_BUSY_TIMEOUT is a usage error' 2 empty \
	"match:CRM_BUSY_TIMEOUT must be a number of milliseconds, not 'soon'" \
	env CRM_BUSY_TIMEOUT=soon "$CRM" init
assert '... and created no database' test ! -e crm.db
check 'help for an unknown command' 2 empty \
	"match:'nosuch' is not a crm command" "$CRM" help nosuch
check 'help falls back to the usage when man cannot show the page' 0 \
	'inline:usage: crm [--db <file>] init' 'match:no man page for crm-init installed' \
	env PATH=/nonexistent "$CRM" help init

# Output that cannot be written is a failure, not silence.
check '--help to a full disk fails with exit 1' 1 empty \
	'match:^crm: error writing to standard output: No space left on device$' \
	sh -c '"$1" --help > /dev/full' sh "$CRM"
check '--version to a full disk fails with exit 1' 1 empty 'match:error writing to standard output' \
	sh -c '"$1" --version > /dev/full' sh "$CRM"
check 'init to a full disk fails with exit 1' 1 empty 'match:error writing to standard output' \
	sh -c '"$1" --db "$2" init > /dev/full' sh "$CRM" "$TEST_DIR/full.db"
check '-q keeps the command output' 0 'match:^created crm database ' empty \
	"$CRM" -q --db q.db init

finish
