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
bench=bench/cleanse.sh
. "$(dirname "$0")/lib.sh"

echo "== $rows generated customer rows"
"$gen" --rows "$rows" --seed 1 > customers.csv
"$run" "crm import" "$crm" --db crm.db -q import --source bench --rejects r.csv customers.csv 2> i.t || true
"$run" "crm cleanse" "$crm" --db crm.db cleanse 2> c.t
"$run" "crm cleanse again" "$crm" --db crm.db cleanse 2> c2.t
"$run" "crm cleanse --check" "$crm" --db crm.db cleanse --check > violations.csv 2> k.t || true
sed 's/^/  /' i.t c.t c2.t k.t
echo "  ratio cleanse / import: $(ratio "$(secs c.t)" "$(secs i.t)")   (goal <= 1)"
echo "  peak RSS cleanse: $(rss c.t) KB   (goal <= 65536 KB)"
