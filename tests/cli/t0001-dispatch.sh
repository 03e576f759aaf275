#!/bin/sh
# The dispatcher: global options, unknown commands, help, exit codes, and
# write errors on stdout.
. "$SRCDIR/tests/cli/lib.sh"

plan 51

usage_re='^usage: crm \[--db <file>\]'
check 'no command: usage on stderr, exit 2' 2 empty "match:$usage_re" "$CRM"
check 'unknown command: the git-style message, exit 2' 2 empty \
	"inline:crm: 'nosuch' is not a crm command. See 'crm --help'." "$CRM" nosuch
check 'a mistyped command gets the most similar one, as git does' 2 empty \
	"inline:crm: 'improt' is not a crm command. See 'crm --help'.

The most similar command is
	import" "$CRM" improt
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
cleanse
dedupe
rfm
segment
export' empty "$CRM" --list-cmds
check 'an unknown long option is a usage error' 2 empty "match:^crm: unknown option '--bogus'$" \
	"$CRM" --bogus init
check 'an unknown short option is a usage error' 2 empty "match:^crm: unknown option '-x'$" \
	"$CRM" -x init
check '--db without a value is a usage error' 2 empty "match:^crm: option '--db' needs a value: the database's file name$" \
	"$CRM" --db
check '--db with an empty value is a usage error' 2 empty "match:^crm: option '--db' needs a value: the database's file name$" \
	"$CRM" --db '' init
check 'a bad CRM_BUSY_TIMEOUT is a usage error' 2 empty \
	"match:CRM_BUSY_TIMEOUT must be a number of milliseconds, not 'soon'" \
	env CRM_BUSY_TIMEOUT=soon "$CRM" init
assert '... and created no database' test ! -e crm.db
check 'help for an unknown command' 2 empty \
	"match:'nosuch' is not a crm command" "$CRM" help nosuch
check '... suggests a similar one as the command line does' 2 empty \
	"match:^	cleanse$" "$CRM" help clense
check '... and so does --list-opts' 2 empty "match:^	cleanse$" "$CRM" --list-opts clense
# A build that was never installed, on a system with mandoc but no man.
mkdir -p onlymandoc
if command -v mandoc >/dev/null; then
	ln -sf "$(command -v mandoc)" onlymandoc/mandoc
fi
check 'help shows the page of the build with mandoc when there is no man' 0 \
	'match:^NAME' empty sh -c 'PATH="$1" "$2" help import | sed "s/.$(printf "\\b")//g"' \
	sh "$TEST_DIR/onlymandoc" "$CRM"
check 'help fields shows crm-fields(5)' 0 'match:^     crm-fields . ' empty \
	sh -c 'PATH="$1" "$2" help fields | sed "s/.$(printf "\\b")//g"' sh "$TEST_DIR/onlymandoc" "$CRM"
check 'help crm shows crm(1), the program'"'"'s own page' 0 'match:^     crm . keep customer data' empty \
	sh -c 'PATH="$1" "$2" help crm | sed "s/.$(printf "\\b")//g"' sh "$TEST_DIR/onlymandoc" "$CRM"
check 'help schema without any viewer says where the page is, exit 1' 1 empty \
	"inline:crm help: no page crm-schema(5) found: see man/crm-schema.5 in crm's sources" \
	env PATH=/nonexistent "$CRM" help schema
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
check '-q leaves errors only: init says nothing' 0 empty empty "$CRM" -q --db q.db init
assert '... and made the database' test -s q.db
check '--list-opts prints the options of a command' 0 'inline:-h
--help' empty "$CRM" --list-opts init
check '--list-opts of an unknown command is a usage error' 2 empty \
	"inline:crm: 'nosuch' is not a crm command. See 'crm --help'." "$CRM" --list-opts nosuch

# Each command's misuse: exactly one line saying what is wrong, naming the
# command, then the synopsis that -h prints first and where the options
# are (not all of them: the error would scroll off); exit 2; no database
# made.
misuse()
{
	_name=$1 _line=$2
	shift 2
	_cmd=$1
	_d=$(new_dir)
	(cd "$_d" && "$CRM" "$_cmd" -h) 2>&1 | sed '/^$/,$d' >"$TEST_TMP/usage"
	{ printf '%s\n' "$_line"; cat "$TEST_TMP/usage"
	  printf '(crm %s -h lists the options)\n' "$_cmd"; } >"$TEST_TMP/expected"
	check "$_name" 2 empty "file:$TEST_TMP/expected" sh -c 'cd "$1" && shift && "$@"' sh \
		"$_d" "$CRM" "$@"
	assert "... and made no database" dir_is_empty "$_d"
}
dir_is_empty() { [ -z "$(ls -A "$1")" ]; }
misuse 'crm import --kind: one line naming the values, then the usage' \
	"crm import: option '--kind' needs a value: customers, orders or interactions" import --kind
misuse 'crm import --bogus: unknown option' "crm import: unknown option '--bogus'" \
	import --bogus x.csv
misuse 'crm cleanse --format with no value' \
	"crm cleanse: option '--format' needs a value: csv, tsv, json or table" cleanse --format
misuse 'crm cleanse --bogus: unknown option' "crm cleanse: unknown option '--bogus'" \
	cleanse --bogus
misuse 'crm cleanse --check=yes: a flag takes no value' \
	"crm cleanse: option '--check' takes no value" cleanse --check=yes
misuse 'crm log -n with no value' "crm log: option '-n' needs a value: a number of runs" log -n
misuse 'crm init --bogus: unknown option' "crm init: unknown option '--bogus'" init --bogus
misuse 'an unknown short option in a bundle is named, not the word before it' \
	"crm log: unknown option '-x'" log --format csv -xy
misuse 'an ambiguous abbreviation names the options it could be' \
	"crm log: option '--fo' is ambiguous: --format, --force" log --fo json
misuse '--help takes no value' "crm init: option '--help' takes no value" init --help=x
check 'an ambiguous global option names the options it could be' 2 empty \
	"match:^crm: option '--list' is ambiguous: --list-cmds, --list-opts$" "$CRM" --list

finish
