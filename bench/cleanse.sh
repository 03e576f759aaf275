#!/bin/sh
# The cleanse benchmark of the cleanse issue, in one run on this machine:
# crm import of N generated customer rows, then crm cleanse of them (goal:
# <= 1x the import's wall time, peak RSS <= 64 MB), then a second cleanse
# (idempotence: 0 values changed) and --check; and, as a yardstick, the
# time SQLite alone takes to store the log rows the first cleanse wrote.
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

# The floor: what SQLite alone takes to store the rows the first cleanse
# logged (one changes row per changed value, as the issue requires), copied
# by sqlite3 into an empty table with the schema and indexes of changes,
# with crm's cache size and synchronous setting. No reading of customers, no
# normalizing, no hashing, no UPDATE: a cleanse cannot take less.
first=$(sqlite3 crm.db "SELECT min(id) FROM runs WHERE command = 'cleanse'")
logged=$(sqlite3 crm.db "SELECT count(*) FROM changes WHERE run_id = $first")
cp crm.db floor.db
sqlite3 floor.db "SELECT sql || ';' FROM sqlite_master WHERE tbl_name = 'changes' AND sql IS NOT NULL" |
	sed 's/changes/floor_changes/g' | sqlite3 floor.db
"$run" "sqlite3 storing the same log rows" sqlite3 floor.db "PRAGMA cache_size = -40960" \
	"PRAGMA synchronous = FULL" "INSERT INTO floor_changes SELECT * FROM changes WHERE run_id = $first" 2> f.t
rm -f floor.db floor.db-wal
sed 's/^/  /' i.t c.t c2.t k.t f.t
echo "  log rows written by the first cleanse: $logged (the changed values and each changed customer's updated_at)"
echo "  ratio cleanse / import: $(ratio "$(secs c.t)" "$(secs i.t)")   (goal <= 1)"
echo "  ratio floor / import:   $(ratio "$(secs f.t)" "$(secs i.t)")   (sqlite3 storing the log rows alone)"
echo "  ratio cleanse / floor:  $(ratio "$(secs c.t)" "$(secs f.t)")"
echo "  peak RSS cleanse: $(rss c.t) KB   (goal <= 65536 KB)"
