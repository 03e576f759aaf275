#!/bin/sh
# t0004-docs: the man pages and the shell completions describe the commands
# and options that crm really has, and no others.
#
# Needs CRM, SRCDIR and CRM_COMMANDS (meson.build's list of commands).
# mandoc is required: without it the page checks fail rather than skip,
# because a docs test that passes without looking at the docs is worthless.

[ -n "${SRCDIR-}" ] || { echo 'Bail out! SRCDIR is not set'; exit 1; }
. "$SRCDIR/tests/cli/lib.sh"
[ -n "${CRM_COMMANDS-}" ] || bail_out 'CRM_COMMANDS is not set (meson test sets it)'

man=$SRCDIR/man
comp=$SRCDIR/completions
bs=$(printf '\b')

"$CRM" --list-cmds >"$TEST_TMP/cmds" 2>"$TEST_TMP/cmds.err" ||
	bail_out "crm --list-cmds failed: $(cat "$TEST_TMP/cmds.err")"
cmds=$(cat "$TEST_TMP/cmds")
[ -n "$cmds" ] || bail_out 'crm --list-cmds printed no commands'
set -- $cmds
ncmds=$#

# The global options: every -x and --word of crm --help.
"$CRM" --help >"$TEST_TMP/help" 2>&1 || bail_out 'crm --help failed'

# Prints the option words (-q, --db) in the files named, one per line.
option_words()
{
	cat "$@" | tr -cs 'A-Za-z0-9-' '\n' | grep -E '^--?[A-Za-z][A-Za-z0-9-]*$'
}

# Prints the words of the named sections of man page $1, as rendered.
page_words()
{
	_page=$1
	shift
	mandoc -T ascii -O width=250 "$_page" 2>/dev/null | sed "s/.$bs//g" |
		awk -v want=" $* " '
			/^[^ \t]/ { keep = index(want, " " $0 " ") > 0; next }
			keep' |
		tr -cs 'A-Za-z0-9-' '\n'
}

# Prints the words of $1 that are not lines of file $2.
missing_from()
{
	for _w in $1; do
		grep -Fx -e "$_w" "$2" >/dev/null || printf ' %s' "$_w"
	done
}

lint()
{
	if [ ! -s "$2" ]; then
		not_ok "$1" "$2 is missing or empty"
	elif ! have mandoc; then
		not_ok "$1" 'mandoc is not installed: install it (apt-get install mandoc);' \
			'CI has it, and this check must not be skipped'
	else
		check "$1" 0 empty empty mandoc -T lint -W warning "$2"
	fi
}

# Is there an entry for command $3 in completion file $1, of shell $2? The
# entries have one form per shell, described at the top of each file.
completes_command()
{
	case $2 in
	bash) _re="^[[:space:]]*$3\)" ;;
	zsh) _re="^[[:space:]]*\($3\)" ;;
	fish) _re="__crm_using_command[[:space:]]+$3([\"'[:space:]]|\$)" ;;
	esac
	grep -v '^[[:space:]]*#' "$1" | grep -E -e "$_re" >/dev/null
}

# Does completion file $1, of shell $2, complete option $3 (-x or --word)?
completes_option()
{
	case $2/$3 in
	fish/--*) _re="(^|[[:space:]])(-l|--long-option)([[:space:]]+|=)${3#--}([[:space:]]|\$)" ;;
	fish/-*) _re="(^|[[:space:]])(-s|--short-option)([[:space:]]+|=)${3#-}([[:space:]]|\$)" ;;
	*) _re="(^|[^A-Za-z0-9-])$3([^A-Za-z0-9-]|\$)" ;;
	esac
	grep -v '^[[:space:]]*#' "$1" | grep -E -e "$_re" >/dev/null
}

# Prints, from the SQL files, "T" for each table and "T.C" for each of its
# columns (one column definition per line, as src/sql writes them), and
# "T.C" for each ALTER TABLE T ADD [COLUMN] C.
sql_names()
{
	awk '
		function bare(s) { gsub(/[",`()\[\];]/, "", s); return tolower(s) }
		{ sub(/--.*/, "") }
		toupper($1) == "CREATE" && toupper($2) == "TABLE" {
			t = toupper($3) == "IF" ? $6 : $3
			t = bare(t)
			name[t] = 1
			intable = 1
			next
		}
		toupper($1) == "ALTER" && toupper($2) == "TABLE" && toupper($4) == "ADD" {
			name[bare($3) "." bare(toupper($5) == "COLUMN" ? $6 : $5)] = 1
			next
		}
		# A table rebuilt by a migration: dropped, and its copy renamed.
		toupper($1) == "DROP" && toupper($2) == "TABLE" {
			d = bare($3)
			for (n in name)
				if (n == d || index(n, d ".") == 1)
					delete name[n]
			next
		}
		toupper($1) == "ALTER" && toupper($2) == "TABLE" && toupper($4) == "RENAME" &&
		toupper($5) == "TO" {
			from = bare($3); to = bare($6)
			for (n in name)
				if (n == from) {
					delete name[n]; name[to] = 1
				} else if (index(n, from ".") == 1) {
					delete name[n]; name[to substr(n, length(from) + 1)] = 1
				}
			next
		}
		intable && /^[ \t]*\)/ { intable = 0; next }
		intable && NF && $1 !~ /^[A-Z]/ { name[t "." bare($1)] = 1 }
		END { for (n in name) print n }
	' "$@" | LC_ALL=C sort -u
}

# Prints the same names as documented in crm-schema(5): in its TABLES
# section, ".Ss T" for each table and ".It Va C" for each column.
page_names()
{
	awk '
		/^\.Sh / { intables = ($0 == ".Sh TABLES"); next }
		!intables { next }
		/^\.Ss / { t = $2; print t; next }
		/^\.It Va / && t != "" { print t "." $3 }
	' "$1" | LC_ALL=C sort -u
}

synopsis_agrees()
{
	_cmd=$1
	_page=$man/crm-$_cmd.1
	_d=$(new_dir)
	(cd "$_d" && "$CRM" "$_cmd" -h) >"$TEST_TMP/usage" 2>/dev/null
	if ! head -n 1 "$TEST_TMP/usage" | tr -cs 'A-Za-z0-9-' '\n' | grep -Fx crm >/dev/null ||
	   ! head -n 1 "$TEST_TMP/usage" | tr -cs 'A-Za-z0-9-' '\n' | grep -Fx -e "$_cmd" >/dev/null; then
		echo "the usage of crm $_cmd -h does not name 'crm' and '$_cmd':"
		cat "$TEST_TMP/usage"
		return 1
	fi
	[ -s "$_page" ] || { echo "$_page is missing or empty"; return 1; }
	have mandoc || { echo 'mandoc is not installed'; return 1; }
	page_words "$_page" SYNOPSIS OPTIONS >"$TEST_TMP/page-opts"
	page_words "$_page" SYNOPSIS | grep -v -E '^(-h|--help)$' >"$TEST_TMP/page-synopsis"
	option_words "$TEST_TMP/usage" >"$TEST_TMP/usage-opts"
	_bad=0
	_m=$(missing_from "$(cat "$TEST_TMP/usage-opts")" "$TEST_TMP/page-opts")
	if [ -n "$_m" ]; then
		echo "options in the usage but not in the SYNOPSIS or OPTIONS of crm-$_cmd(1):$_m"
		_bad=1
	fi
	_m=$(missing_from "$(option_words "$TEST_TMP/page-synopsis")" "$TEST_TMP/usage-opts")
	if [ -n "$_m" ]; then
		echo "options in the SYNOPSIS of crm-$_cmd(1) but not in the usage:$_m"
		_bad=1
	fi
	return $_bad
}

dir_is_empty()
{
	[ -z "$(ls -A "$1")" ] && return 0
	echo "$1 is not empty:"
	ls -lA "$1"
	return 1
}

# (a) 1, (b) n, (c) 2, (d) 3, (e) 4, (f) 3n, (g) n, (h) 3, (i) 1, (j) 1, (k) 1, (l) 5n, (m) 2
plan $((21 + 10 * ncmds))

# (a) The binary and meson.build agree on the commands.
printf '%s\n' $CRM_COMMANDS | LC_ALL=C sort >"$TEST_TMP/expected-cmds"
sorted_cmds()
{
	"$CRM" --list-cmds >"$TEST_TMP/list" && LC_ALL=C sort "$TEST_TMP/list"
}
check 'crm --list-cmds names the commands of meson.build' \
	0 "file:$TEST_TMP/expected-cmds" empty sorted_cmds
# subcommands/ holds the commands and nothing else: what they share is in src/cli.c.
sorted_files()
{
	for f in "$SRCDIR"/subcommands/*; do basename "$f" .c; done | LC_ALL=C sort
}
check 'every file in subcommands/ is a command of meson.build' \
	0 "file:$TEST_TMP/expected-cmds" empty sorted_files

# (b) Every command has a page, and it is lint-clean.
for c in $cmds; do
	lint "man/crm-$c.1 exists and is clean under mandoc -T lint -W warning" \
		"$man/crm-$c.1"
done

# (c) The other pages are lint-clean.
lint 'man/crm.1 is clean under mandoc -T lint -W warning' "$man/crm.1"
lint 'man/crm-schema.5 is clean under mandoc -T lint -W warning' "$man/crm-schema.5"
lint 'man/crm-fields.5 is clean under mandoc -T lint -W warning' "$man/crm-fields.5"

# (d) Every command has its entry in each completion file.
for f in bash:crm.bash zsh:_crm fish:crm.fish; do
	sh=${f%%:*} file=$comp/${f#*:}
	m=
	for c in $cmds; do
		completes_command "$file" "$sh" "$c" || m="$m $c"
	done
	result "$([ -z "$m" ]; echo $?)" "completions/${f#*:} has an entry for every command" \
		"no entry for:$m"
done

# (e) Every global option of crm --help is completed and documented.
gopts=$(option_words "$TEST_TMP/help" | LC_ALL=C sort -u)
[ -n "$gopts" ] || bail_out 'found no options in crm --help'
for f in bash:crm.bash zsh:_crm fish:crm.fish; do
	sh=${f%%:*} file=$comp/${f#*:}
	m=
	for o in $gopts; do
		completes_option "$file" "$sh" "$o" || m="$m $o"
	done
	result "$([ -z "$m" ]; echo $?)" "completions/${f#*:} completes every global option" \
		"not completed:$m"
done
if have mandoc; then
	page_words "$man/crm.1" SYNOPSIS OPTIONS >"$TEST_TMP/crm1-opts"
	m=$(missing_from "$gopts" "$TEST_TMP/crm1-opts")
	result "$([ -z "$m" ]; echo $?)" 'crm.1 documents every global option' \
		"not in the SYNOPSIS or OPTIONS of crm(1):$m"
else
	not_ok 'crm.1 documents every global option' 'mandoc is not installed'
fi

# (f) -h and --help print the usage on stdout, and touch no database.
for c in $cmds; do
	d=$(new_dir)
	cd "$d" || bail_out "cannot enter $d"
	check "crm $c -h prints the usage on stdout" \
		0 "match:^usage: crm( .*)? $c( |\$)" empty "$CRM" "$c" -h
	cp "$CHECK_OUT" "$TEST_TMP/usage-$c"
	check "crm $c --help prints the same usage" \
		0 "file:$TEST_TMP/usage-$c" empty "$CRM" "$c" --help
	assert "crm $c -h and --help create no database" dir_is_empty "$d"
	cd "$TEST_DIR" || bail_out "cannot enter $TEST_DIR"
done

# (g) The usage and the page's synopsis agree.
for c in $cmds; do
	assert "crm $c -h and crm-$c(1) agree on the synopsis" synopsis_agrees "$c"
done

# (h) The completion files parse.
check 'bash -n completions/crm.bash' 0 empty empty bash -n "$comp/crm.bash"
if have zsh; then
	check 'zsh -n completions/_crm' 0 empty empty zsh -n "$comp/_crm"
else
	skip 'zsh -n completions/_crm' 'zsh is not installed'
fi
if have fish; then
	check 'fish -n completions/crm.fish' 0 empty empty fish -n "$comp/crm.fish"
else
	skip 'fish -n completions/crm.fish' 'fish is not installed'
fi

# (i) and (j) crm-schema(5) documents every table and column, and no other.
sql_names "$SRCDIR"/src/sql/*.sql >"$TEST_TMP/sql-names"
page_names "$man/crm-schema.5" >"$TEST_TMP/page-names"
grep -v '\.' "$TEST_TMP/sql-names" >"$TEST_TMP/sql-tables"
grep -v '\.' "$TEST_TMP/page-names" >"$TEST_TMP/page-tables"
[ -s "$TEST_TMP/sql-tables" ] || bail_out 'found no CREATE TABLE in src/sql/*.sql'
check 'crm-schema.5 documents every table of src/sql, and no other' \
	0 "file:$TEST_TMP/sql-tables" empty cat "$TEST_TMP/page-tables"
grep '\.' "$TEST_TMP/sql-names" >"$TEST_TMP/sql-columns"
grep '\.' "$TEST_TMP/page-names" >"$TEST_TMP/page-columns"
check 'crm-schema.5 documents every column of src/sql, and no other' \
	0 "file:$TEST_TMP/sql-columns" empty cat "$TEST_TMP/page-columns"

# The version the page describes is the binary's.
version=$("$CRM" --version | sed -n 's/.*(schema \([0-9]*\),.*/\1/p')
check 'crm-schema.5 describes the schema version crm writes' 0 "inline:$version" empty \
	sed -n 's/^The schema version of the database: \([0-9]*\) for the schema described here.*/\1/p' \
	"$man/crm-schema.5"

# (k) crm.1 lists the commands that exist, and refers to their pages.
{ printf '%s\n' $cmds help; } | LC_ALL=C sort >"$TEST_TMP/crm1-expected"
crm1_commands()
{
	sed -n 's/^\.It Cm \([^ ]*\).*/\1/p' "$man/crm.1" | LC_ALL=C sort
	for _c in $cmds; do
		grep -E "^\.Xr crm-$_c 1( |\$)" "$man/crm.1" >/dev/null ||
			echo "no .Xr crm-$_c 1 in crm.1" >&2
	done
}
check 'crm.1 lists exactly the commands, and refers to their pages' \
	0 "file:$TEST_TMP/crm1-expected" empty crm1_commands

# (l) Every option of every command, as its option table has it (crm
# --list-opts), is in its page, in its -h, and in each completion file.
for c in $cmds; do
	"$CRM" --list-opts "$c" >"$TEST_TMP/opts-$c" 2>&1 ||
		bail_out "crm --list-opts $c failed: $(cat "$TEST_TMP/opts-$c")"
	grep -Fx -e --help "$TEST_TMP/opts-$c" >/dev/null ||
		bail_out "crm --list-opts $c does not list --help"
	page_words "$man/crm-$c.1" SYNOPSIS OPTIONS >"$TEST_TMP/page-opts-$c"
	m=$(missing_from "$(grep -v -E '^(-h|--help)$' "$TEST_TMP/opts-$c")" "$TEST_TMP/page-opts-$c")
	result "$([ -z "$m" ]; echo $?)" "crm-$c.1 documents every option of crm $c" \
		"not in its SYNOPSIS or OPTIONS:$m"
	(cd "$(new_dir)" && "$CRM" "$c" -h) 2>&1 | option_words >"$TEST_TMP/h-opts-$c"
	m=$(missing_from "$(grep -v -E '^(-h|--help)$' "$TEST_TMP/opts-$c")" "$TEST_TMP/h-opts-$c")
	result "$([ -z "$m" ]; echo $?)" "crm $c -h shows every option of crm $c" \
		"not in its usage:$m"
	for f in bash:crm.bash zsh:_crm fish:crm.fish; do
		sh=${f%%:*} file=$comp/${f#*:}
		m=
		for o in $(cat "$TEST_TMP/opts-$c"); do
			completes_option "$file" "$sh" "$o" || m="$m $o"
		done
		result "$([ -z "$m" ]; echo $?)" "completions/${f#*:} completes every option of crm $c" \
			"not completed:$m"
	done
done

# (m) The example of crm-fields(5) is examples/fields.txt, and it works as
# written: crm loads it.
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$man/crm-fields.5" |
	sed -n '/^\.Bd -literal/,/^\.Ed/p' | sed '1d;$d' >"$TEST_TMP/fields-example"
check 'the example of crm-fields(5) is examples/fields.txt' 0 \
	"file:$SRCDIR/examples/fields.txt" empty cat "$TEST_TMP/fields-example"
d=$(new_dir)
check '... and crm takes it as written' 0 empty 'match:^crm cleanse: check: 0 customers scanned' \
	sh -c 'cd "$1" && "$2" -q init >/dev/null && "$2" cleanse --check --fields "$3" >/dev/null' \
	sh "$d" "$CRM" "$TEST_TMP/fields-example"

finish
