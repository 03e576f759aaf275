#!/bin/sh
# The cleanse benchmark of the cleanse issue, in one run on this machine:
# crm import of N generated customer rows, then crm cleanse of them (goal:
# <= 1x the import's wall time, peak RSS <= 64 MB), then a second cleanse
# (idempotence: 0 values changed) and --check.
#
# usage: bench/cleanse.sh [BUILD_DIR] [ROWS]     (defaults: build 1000000)
set -eu

build=${1:-build}
rows=${2:-1000000}
here=$(cd "$(dirname "$0")/.." && pwd)
case $build in /*) ;; *) build=$here/$build ;; esac
crm=$build/crm
gen=$build/bench/bench-gen
run=$build/bench/bench-runstat
for f in "$crm" "$gen" "$run"; do
	[ -x "$f" ] || { echo "bench/cleanse.sh: $f is missing: build first" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/crm-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

secs() { sed -n 's/^[^:]*: \([0-9.]*\) s, \([0-9]*\) KB.*/\1/p' "$1"; }
rss() { sed -n 's/^[^:]*: [0-9.]* s, \([0-9]*\) KB.*/\1/p' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "== $rows generated customer rows"
"$gen" --rows "$rows" --seed 1 > customers.csv
"$run" "crm import" "$crm" --db crm.db -q import --source bench --rejects r.csv customers.csv 2> i.t || true
"$run" "crm cleanse" "$crm" --db crm.db cleanse 2> c.t
"$run" "crm cleanse again" "$crm" --db crm.db cleanse 2> c2.t
"$run" "crm cleanse --check" "$crm" --db crm.db cleanse --check > violations.csv 2> k.t || true
sed 's/^/  /' i.t c.t c2.t k.t
echo "  ratio cleanse / import: $(ratio "$(secs c.t)" "$(secs i.t)")   (goal <= 1)"
echo "  peak RSS cleanse: $(rss c.t) KB   (goal <= 65536 KB)"
