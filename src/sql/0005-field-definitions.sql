-- crm schema, version 5: field definitions (crm-fields(5)) kept in the
-- database by `crm cleanse --fields FILE --save`, so that cron jobs and
-- every user's import and cleanse use the same ones. One row at most.
CREATE TABLE field_definitions (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	text     TEXT NOT NULL,
	source   TEXT,
	saved_at TEXT NOT NULL,
	run_id   INTEGER REFERENCES runs(id)
);
