#!/bin/sh
# Two builds, the same benchmarks, one run: import, log and cleanse of an
# older build (the baseline, e.g. a worktree of the commit before a change)
# and of this one, each timed line side by side with the ratio new / old.
# A redesign that must cost nothing ("within 10% of before") is checked
# here, on the same machine, in the same minute.
#
# usage: bench/compare.sh OLD_BUILD NEW_BUILD [ROWS]   (default ROWS 200000)
#   OLD_BUILD, NEW_BUILD: build directories (each with crm and bench/);
#   the scripts run are this tree's, so both builds see the same data.
set -eu

[ $# -ge 2 ] || { echo "usage: bench/compare.sh OLD_BUILD NEW_BUILD [ROWS]" >&2; exit 2; }
old=$1
new=$2
rows=${3:-200000}
here=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/crm-compare.XXXXXX")
trap 'rm -rf "$out"' EXIT

# Runs bench $1 with its arguments for both builds, old first.
both() {
	_b=$1
	shift
	"$here/bench/$_b.sh" "$old" "$@" >"$out/$_b.old" 2>&1
	"$here/bench/$_b.sh" "$new" "$@" >"$out/$_b.new" 2>&1
}

# Prints "label  old s  new s  ratio" for each bench-runstat line of bench $1.
table() {
	awk '
		FNR == 1 { which++ }
		/^ *[^:]+: [0-9.]+ s, [0-9]+ KB/ {
			line = $0
			sub(/^ */, "", line)
			label = substr(line, 1, index(line, ": ") - 1)
			rest = substr(line, index(line, ": ") + 2)
			split(rest, f, " ")
			n[which, label]++
			k = label " #" n[which, label]
			t[which, k] = f[1]
			if (which == 1) order[++no] = k
		}
		END {
			for (i = 1; i <= no; i++) {
				k = order[i]
				lab = k
				sub(/ #1$/, "", lab)
				if ((2, k) in t && t[1, k] > 0)
					printf "  %-44s %8.3f s %8.3f s   new/old %.2f\n", lab, t[1, k], t[2, k],
						t[2, k] / t[1, k]
			}
		}' "$out/$1.old" "$out/$1.new"
}

echo "== import, $rows rows"
both import "$rows"
table import
grep -h 'ratio crm import / sqlite3' "$out/import.old" | sed 's/^ */  old: /'
grep -h 'ratio crm import / sqlite3' "$out/import.new" | sed 's/^ */  new: /'
echo "== log, $((rows / 10)) customers"
both log "$((rows / 10))" 3334
table log
echo "== cleanse, $rows rows"
both cleanse "$rows"
table cleanse
