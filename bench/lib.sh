# Shared by the bench/*.sh scripts: sourced after `build` is set, it finds
# the built tools, checks they are there, moves into a scratch directory
# removed on exit, and defines the helpers that read bench-runstat's
# "LABEL: 1.234 s, 5678 KB peak RSS, exit 0" lines.
#
# in: build (a build directory, relative to the source tree or absolute),
#     bench (the script's name, for messages)
# out: here (the source tree), crm, gen, run (the tools), work (cwd)

here=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$here/$build ;; esac
crm=$build/crm
gen=$build/bench/bench-gen
run=$build/bench/bench-runstat
for f in "$crm" "$gen" "$run"; do
	[ -x "$f" ] || { echo "$bench: $f is missing: build first" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "$bench: sqlite3 is needed" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/crm-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

# Seconds and peak RSS (KB) of a bench-runstat line in file $1.
secs() { sed -n 's/^[^:]*: \([0-9.]*\) s, \([0-9]*\) KB.*/\1/p' "$1"; }
rss() { sed -n 's/^[^:]*: [0-9.]* s, \([0-9]*\) KB.*/\1/p' "$1"; }
# $1 / $2 with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# best LABEL OUT CMD...: runs CMD twice, keeps its output of the first run in
# OUT and the faster run's bench-runstat line in OUT.t (the other one's
# noise is not the program's). import.sh has its own: a new database each run.
best()
{
	label=$1 out=$2
	shift 2
	for i in 1 2; do
		"$run" "$label" "$@" > "$out.$i" 2> "$out.t$i" || true
	done
	if awk -v a="$(secs "$out.t1")" -v b="$(secs "$out.t2")" 'BEGIN { exit !(a < b) }'; then
		cp "$out.t1" "$out.t"
	else
		cp "$out.t2" "$out.t"
	fi
	cp "$out.1" "$out"
}
