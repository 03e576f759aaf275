-- crm schema, version 3: the check on changes.op without IN. SQLite builds
-- a temporary index for the IN list of a CHECK on every row inserted; with
-- one changes row per changed value that was most of a cleanse's time
-- (measured: 162,580 temporary indexes for 20,000 customers cleansed).
-- The table is rebuilt; rows, ids and hashes are copied unchanged.

ALTER TABLE changes RENAME TO changes_v2;
CREATE TABLE changes (
	id        INTEGER PRIMARY KEY,
	run_id    INTEGER NOT NULL REFERENCES runs(id),
	tbl       TEXT NOT NULL,
	row_id    INTEGER NOT NULL,
	op        TEXT NOT NULL
		CHECK (op = 'insert' OR op = 'update' OR op = 'delete' OR op = 'merge'),
	field     TEXT,
	old_value,
	new_value,
	hash      TEXT
);
INSERT INTO changes(id, run_id, tbl, row_id, op, field, old_value, new_value, hash)
	SELECT id, run_id, tbl, row_id, op, field, old_value, new_value, hash FROM changes_v2;
DROP TABLE changes_v2;
CREATE INDEX changes_run ON changes(run_id);
CREATE INDEX changes_row ON changes(tbl, row_id);
CREATE INDEX changes_inserts ON changes(tbl, row_id) WHERE op = 'insert';
