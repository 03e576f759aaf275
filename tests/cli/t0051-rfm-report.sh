#!/bin/sh
# crm rfm --report (#15): one HTML file that opens offline: inline SVG and
# CSS, nothing fetched, no script; written whole or not at all; with
# --compare, the moves. Where Chromium is installed (CI installs it), it
# renders the file headless: the DOM has the charts, the screenshot is
# a picture.
. "$SRCDIR/tests/cli/lib.sh"

plan 15

export CRM_USER=tester
data=$SRCDIR/tests/data/rfm

"$CRM" -q import --source shop "$data/orders.csv" || bail_out 'import failed'
"$CRM" -q rfm --save || bail_out 'rfm --save failed'
run=$(sqlite3 crm.db 'SELECT max(run_id) FROM rfm_snapshots')

check '--report writes the file beside the records (here the moves)' 0 \
	'match:^Loyal Customers,0,1,' empty \
	"$CRM" -q rfm --format csv --report report.html --compare "$run"
assert '... an HTML page' grep -q '^<!DOCTYPE html>' report.html
assert '... with the segments, the heat map and the flows as inline SVG' \
	test "$(grep -c '<svg' report.html)" -eq 3
assert '... and the moves since the snapshot' grep -q "Who moved since run $run" report.html
# A segment of a customer or none is a thin band: its label still gets a
# line of its own, on either side of the flows (12px text).
for side in 150 570; do
	assert "... the flows' labels at x=$side a line apart, small segments too" sh -c \
		"grep -o '<text x=\"$side\" y=\"[0-9.]*\"' report.html | sed 's/.*y=\"//; s/\"//' |
		 awk 'NR > 1 && \$1 - last < 12 { bad = 1 } { last = \$1 } END { exit bad || NR < 5 }'"
done
check '... nothing from the network, and no script' 1 empty empty \
	grep -E -i '<script|https?:|src=|url\(|@import' report.html
assert '... UTF-8 declared, Japanese segment names as they are' sh -c \
	'grep -q "<meta charset=\"utf-8\">" report.html &&
	 "$CRM" -q rfm --scheme cpm --format csv --report cpm.html > /dev/null &&
	 grep -q "初回現役" cpm.html'
check 'a report that cannot be written is an error, and leaves no file' 1 empty \
	'match:^crm rfm: .*no/such/dir' "$CRM" rfm --format csv --report no/such/dir/r.html
assert '... (nothing there)' test ! -e no
mkdir dir
check 'a report over a directory is a usage error, before anything runs' 2 empty \
	"match:^crm rfm: --report 'dir' is not a regular file: it would be replaced whole by a new one$" \
	"$CRM" rfm --format csv --report dir
assert '... and leaves no temporary file beside it' test -z "$(ls -A . | grep tmp)"

if have chromium; then
	chromium --headless --no-sandbox --disable-gpu --dump-dom "file://$TEST_DIR/report.html" \
		> dom.html 2> /dev/null
	assert 'Chromium renders it offline: the DOM has the charts' \
		test "$(grep -o '<rect' dom.html | wc -l)" -gt 30
	chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1600 \
		--screenshot="$TEST_DIR/shot.png" "file://$TEST_DIR/report.html" > /dev/null 2>&1
	assert '... and takes a screenshot of it' test -s shot.png
	assert '... a PNG of a page, not a blank' sh -c \
		'head -c 8 shot.png | od -An -c | grep -q "P   N   G" && test "$(wc -c < shot.png)" -gt 20000'
else
	skip 'Chromium renders it offline: the DOM has the charts' 'chromium is not installed'
	skip '... and takes a screenshot of it' 'chromium is not installed'
	skip '... a PNG of a page, not a blank' 'chromium is not installed'
fi
finish
