-- crm schema, version 2: what crm log needs to undo runs and erase people.
-- Documented in crm-schema(5) and crm-log(1).

-- Set on a run when `crm log revert` undid it: the id of the reverting run.
ALTER TABLE runs ADD COLUMN reverted_by INTEGER REFERENCES runs(id);

-- Insert changes cover a range of ids (row_id .. new_value); this finds the
-- range holding one row without reading every other change.
CREATE INDEX changes_inserts ON changes(tbl, row_id) WHERE op = 'insert';

-- What is left of a person erased by `crm log forget`: who did it, when and
-- why, and how many rows went. Nothing here identifies the person.
CREATE TABLE tombstones (
	id          INTEGER PRIMARY KEY,
	run_id      INTEGER NOT NULL REFERENCES runs(id),
	customer_id INTEGER NOT NULL,
	at          TEXT NOT NULL,
	actor       TEXT NOT NULL,
	reason      TEXT NOT NULL,
	removed     TEXT CHECK (removed IS NULL OR json_valid(removed))
);
