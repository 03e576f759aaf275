#!/bin/sh
# The README's demo: runs crm on the sample data in examples/, in a scratch
# directory, and shows what each step did. usage: examples/demo.sh [path/to/crm]
set -eu

crm=${1:-build/crm}
case $crm in /*) ;; *) crm=$(pwd)/$crm ;; esac
[ -x "$crm" ] || { echo "demo: no crm binary at $crm (build first)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/crm-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export CRM_DB="$work/demo.db" CRM_USER=demo

step() { printf '\n$ %s\n' "$*"; "$@"; }

step "$crm" --version
step "$crm" --help
step "$crm" init
step "$crm" init
echo
echo "The database is an ordinary SQLite file (see crm-schema(5)):"
step sqlite3 "$CRM_DB" "PRAGMA journal_mode" "PRAGMA user_version" \
	"SELECT id, command, actor, status, counts FROM runs"
printf '\n$ ls -l\n'
ls -l "$work" | sed 1d
echo
echo "Sample data for the commands that follow init (import, cleanse, ...):"
for f in "$here"/*.csv; do
	printf '  %-22s %s lines\n' "$(basename "$f")" "$(wc -l < "$f")"
done
echo
echo "demo: ok"
