#!/bin/sh
# Every EXAMPLES block of every man page runs as written, offline, as a
# reader would type it: a page that shows a command, its output or its exit
# status is held to them. Each page gets its own scratch directory with the
# files its examples name (made by setup_PAGE below), and its blocks run in
# order there, so that one block may use what an earlier one made.
#
# A block is, by its first line:
#	$ CMD             a transcript: each "$ " line (with its "\" continuation
#	                  lines) is a command, "sqlite> " lines are its input,
#	                  and other lines are what it prints (stdout and stderr
#	                  together). Those lines must appear in the output in
#	                  that order; a number stands for any number, "..." for
#	                  anything. A command must exit 0 unless the next one is
#	                  "echo $?", whose output then says what it must exit.
#	SELECT, WITH      SQL, run with sqlite3 -readonly on the page's database
#	#!                a script, run as a program
#	M H D M W CMD     a crontab(5) line: CMD runs (a script the page shows
#	                  next is installed where CMD names it)
#	# ... [SECTION]   a field definitions file: crm cleanse --check loads it
#	                  (into a database of its own, so with nothing to report)
#	anything else     shell commands, run with sh, which must exit 0
# The page's paths are moved under the scratch directory: /srv/ and
# /usr/local/bin/ into it, and /home/sato (the reader's directory) to it.
. "$SRCDIR/tests/cli/lib.sh"

man=$SRCDIR/man
ex=$SRCDIR/examples
pages='crm.1 crm-init.1 crm-import.1 crm-cleanse.1 crm-log.1 crm-fields.5 crm-schema.5'

have sqlite3 || bail_out 'sqlite3(1) is needed (README installs it)'

# The commands that the examples call besides crm: stand-ins that work
# offline. less(1) is not on a minimal system and pages into a pipe anyway.
bin=$TEST_TMP/bin
mkdir "$bin" || bail_out "cannot make $bin"
ln -s "$CRM" "$bin/crm"
printf '#!/bin/sh\nexec cat "$@"\n' >"$bin/less"
printf '#!/bin/sh\ncat >/dev/null\n' >"$bin/mail"
chmod +x "$bin/less" "$bin/mail"
PATH=$bin:$PATH
export PATH

# blocks PAGE DIR: writes each literal block of PAGE's EXAMPLES into
# DIR/NN, roff escapes undone, and prints the count.
blocks()
{
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$1" | awk -v dir="$2" '
		/^\.Bd -literal/ { n++; f = sprintf("%s/%02d", dir, n); inb = 1; next }
		/^\.Ed/ { inb = 0; close(f); next }
		inb {
			gsub(/\\&/, ""); gsub(/\\e/, "\\"); gsub(/\\-/, "-")
			print > f
		}
		END { print n + 0 }'
}

# kind FILE: what a block is (see the top of this file).
kind()
{
	first=$(sed -n '1p' "$1")
	case $first in
	'$ '*) echo transcript ;;
	'#!'*) echo script ;;
	SELECT*|WITH*) echo sql ;;
	'#'*) if grep -q '^\[.*\]' "$1"; then echo fields; else echo shell; fi ;;
	*)
		if printf '%s\n' "$first" |
			grep -Eq '^([0-9*,/-]+[[:space:]]+){5}[^[:space:]]'; then
			echo cron
		else
			echo shell
		fi
		;;
	esac
}

# relocate FILE ROOT WORK: the page's paths moved into the scratch directory.
relocate()
{
	sed -e "s|/srv/|$2/srv/|g" -e "s|/usr/local/bin/|$2/usr/local/bin/|g" \
	    -e "s|/home/sato|$3|g" "$1"
}

# transcript BLOCK DIR: turns a transcript into DIR/script, which runs its
# commands and keeps each one's output (DIR/out.N), input (DIR/in.N) and
# status (DIR/st.N); DIR/want.N has the lines it must print, DIR/n the
# count. "$?" is put back after each command so that "echo $?" shows it.
transcript()
{
	awk -v dir="$2" '
		function flush() {
			if (cmd == "")
				return
			printf "{ %s\n} <\"%s/in.%d\" >\"%s/out.%d\" 2>&1\n", cmd, dir, n, dir, n > script
			printf "st=$?; echo $st >\"%s/st.%d\"; (exit $st)\n", dir, n > script
			cmd = ""
		}
		BEGIN { script = dir "/script"; n = 0; cont = 0 }
		# Does s leave a quote open, as sh reads quotes?
		function open_quote(s,    i, c, q) {
			q = ""
			for (i = 1; i <= length(s); i++) {
				c = substr(s, i, 1)
				if (q == "" && c == "\\")
					i++
				else if (q == "" && (c == "\"" || c == "\047"))
					q = c
				else if (c == q)
					q = ""
			}
			return q != ""
		}
		cont { cmd = cmd "\n" $0; cont = /\\$/ || open_quote(cmd); next }
		/^\$ / {
			flush(); n++
			cmd = substr($0, 3); cont = /\\$/ || open_quote(cmd)
			print cmd > (dir "/cmd." n)
			printf "" > (dir "/in." n); printf "" > (dir "/want." n)
			next
		}
		/^sqlite> / { print substr($0, 9) > (dir "/in." n); next }
		{ print > (dir "/want." n) }
		END { flush(); print n > (dir "/n") }' "$1"
}

# shown WANT OUT: does every line of WANT appear in OUT, in order? A number
# in WANT matches any number, and "..." anything.
shown()
{
	awk '
		function pattern(s,    p, c, i, out) {
			out = ""
			for (i = 1; i <= length(s); i++) {
				c = substr(s, i, 1)
				if (substr(s, i, 3) == "...") {
					out = out ".*"; i += 2
				} else if (c ~ /[0-9]/) {
					out = out "[0-9][0-9,]*"
					while (substr(s, i + 1, 1) ~ /[0-9,]/ && substr(s, i + 1, 1) != "")
						i++
				} else if (index("\\^$.[]|()*+?{}/", c)) {
					out = out "\\" c
				} else {
					out = out c
				}
			}
			return "^" out "$"
		}
		FILENAME == ARGV[1] { if ($0 != "...") want[++nw] = pattern($0); next }
		# A byte order mark and CRLF (the rejects file has both, for Excel)
		# show as nothing.
		FNR == 1 && index($0, "\357\273\277") == 1 { $0 = substr($0, 4) }
		{ sub(/\r$/, "") }
		k < nw && $0 ~ want[k + 1] { k++ }
		END {
			if (k < nw) {
				printf "not shown: %s\n", want[k + 1]
				exit 1
			}
		}' "$1" "$2"
}

run_transcript()
{
	desc=$1 block=$2 d=$3
	transcript "$block" "$d"
	(cd "$WORK" && sh "$d/script") >"$d/script.out" 2>&1
	n=$(cat "$d/n") i=1 why=
	while [ "$i" -le "$n" ]; do
		st=$(cat "$d/st.$i" 2>/dev/null || echo 'no status: not run')
		if [ "$st" != 0 ] && ! grep -qx 'echo \$?' "$d/cmd.$((i + 1))" 2>/dev/null; then
			why="$why
command $i ($(head -1 "$d/cmd.$i")) exited $st"
		fi
		if ! m=$(shown "$d/want.$i" "$d/out.$i" 2>&1); then
			why="$why
command $i ($(head -1 "$d/cmd.$i")): $m"
		fi
		i=$((i + 1))
	done
	if [ -z "$why" ]; then
		ok "$desc"
	else
		not_ok "$desc" "$why" "what it printed:" \
			"$(for i in $(seq "$n"); do echo "\$ $(cat "$d/cmd.$i")"; cat "$d/out.$i"; done)" \
			"$(cat "$d/script.out")"
	fi
}

# run_cmd DESC DIR CMD...: one block run as a whole, in WORK; exit 0 wanted.
run_cmd()
{
	desc=$1 d=$2
	shift 2
	(cd "$WORK" && "$@") </dev/null >"$d/out" 2>&1
	st=$?
	result "$st" "$desc" "exited $st; it printed:" "$(cat "$d/out")"
}

# --- The files each page's examples name -----------------------------------

quiet()
{
	"$@" >/dev/null 2>&1 || bail_out "setup failed: $*"
}

setup_common()
{
	cp "$ex/customers.csv" "$ex/orders.csv" . || bail_out 'cannot copy examples'
	mkdir -p "$ROOT/srv/crm" "$ROOT/srv/drop" "$ROOT/usr/local/bin" ||
		bail_out 'cannot make the /srv of the examples'
}

setup_crm_1() { :; }
setup_crm_init_1() { :; }

# A member list with one bad e-mail address and one date that does not exist
# among good rows; the accounting system's orders naming the sales tool's
# customers; an event's sign-up sheet; and today's drop from the sales tool.
setup_crm_import_1()
{
	{
		echo '顧客番号,氏名,メールアドレス,生年月日'
		i=1
		while [ "$i" -le 12 ]; do
			echo "M$i,会員 $i号,m$i@example.jp,1980/01/0$((i % 9 + 1))"
			i=$((i + 1))
		done
		echo 'C1041,山田 太郎,taro@@example.jp,1985/04/03'
		echo 'C2209,佐藤 花子,hanako@example.jp,2023/02/30'
	} >members.csv
	{
		echo '伝票番号,顧客番号,日付,金額'
		echo 'S-1,C0001,2026/11/02,"12,000"'
		echo 'S-2,C0002,2026/11/05,3500'
	} >sales-2026-11.csv
	{
		echo '受付番号,ご芳名,ご所属,アンケート,社内メモ'
		echo 'E-001,田中 一郎,株式会社テスト,とても良い,要フォロー'
	} >event-2026.csv
	cp "$ex/customers-cp932.csv" "$ROOT/srv/drop/sfa-$(date +%Y%m%d).csv" ||
		bail_out 'cannot copy the CP932 example'
	quiet crm import --source sfa customers.csv
}

setup_crm_cleanse_1()
{
	quiet crm import --source shop customers.csv
	cp "$ex/customers.csv" legacy.csv || bail_out 'cannot copy the example'
}

# Run 12 is an import that can be reverted; sfa:C-0042 and web:taro@example.jp
# are people the log knows.
setup_crm_log_1()
{
	printf 'id,氏名,メールアドレス\nC-0042,山田 太郎,yamada@example.jp\n' >sfa.csv
	printf 'メールアドレス,氏名\ntaro@example.jp,山田 太郎\n' >web.csv
	quiet crm import --source sfa sfa.csv
	quiet crm import --source web --key メールアドレス web.csv
	i=1
	while [ "$(sqlite3 crm.db 'SELECT max(id) FROM runs')" -lt 12 ]; do
		printf 'id,氏名\nK%d,顧客 %d\n' "$i" "$i" >day$i.csv
		quiet crm import --source daily day$i.csv
		i=$((i + 1))
	done
}

setup_crm_fields_5()
{
	quiet crm import --source shop customers.csv
}

setup_crm_schema_5()
{
	quiet crm import --source sfa customers.csv
	quiet crm import --source sfa orders.csv
}

# --- Each page's blocks, in order -------------------------------------------

count=0
for page in $pages; do
	d=$TEST_TMP/blocks-$page
	mkdir "$d" || bail_out "cannot make $d"
	count=$((count + $(blocks "$man/$page" "$d")))
done
plan "$count"

for page in $pages; do
	name=${page%.*}
	sect=${page##*.}
	ROOT=$TEST_TMP/root-$page
	WORK=$ROOT/home
	mkdir -p "$WORK" || bail_out "cannot make $WORK"
	cd "$WORK" || bail_out "cannot enter $WORK"
	setup_common
	"setup_$(echo "$page" | tr '.-' '__')"
	pending=
	for b in "$TEST_TMP/blocks-$page"/*; do
		[ -f "$b" ] || continue
		k=$(kind "$b")
		desc="$name($sect) EXAMPLES block $(basename "$b") ($k) runs as written"
		r=$TEST_TMP/run-$page-$(basename "$b")
		mkdir "$r" || bail_out "cannot make $r"
		relocate "$b" "$ROOT" "$WORK" >"$r/block"
		case $k in
		transcript)
			run_transcript "$desc" "$r/block" "$r"
			;;
		sql)
			run_cmd "$desc" "$r" sh -c 'sqlite3 -readonly -bail crm.db <"$1" >/dev/null' sh "$r/block"
			;;
		script)
			if [ -n "$pending" ]; then
				cp "$r/block" "$pending" && chmod +x "$pending" ||
					bail_out "cannot install $pending"
				run_cmd "$desc" "$r" "$pending"
				pending=
			else
				run_cmd "$desc" "$r" sh "$r/block"
			fi
			;;
		cron)
			sed -E 's/^([^[:space:]]+[[:space:]]+){5}//' "$r/block" >"$r/cmd"
			if [ -x "$(cat "$r/cmd")" ] || ! grep -q '^/[^[:space:]]*$' "$r/cmd"; then
				run_cmd "$desc" "$r" sh "$r/cmd"
			else
				pending=$(cat "$r/cmd")
				ok "$desc (by the script it names, which the next block shows)"
			fi
			;;
		fields)
			run_cmd "$desc" "$r" sh -c 'crm -q --db "$1/fields.db" init &&
				crm --db "$1/fields.db" cleanse --check --fields "$1/block"' sh "$r"
			;;
		shell)
			run_cmd "$desc" "$r" sh "$r/block"
			;;
		esac
	done
	[ -z "$pending" ] || not_ok "$name($sect): a crontab line names $pending, but no script follows"
done

finish
