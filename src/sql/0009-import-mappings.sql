-- crm schema, version 9: a corrected mapping is applied on re-import.
--
-- A re-import compares each row with the raw row kept from last time and
-- skips what did not change. When only the mapping changed (--map, field
-- definitions), every row looked unchanged, and the correction did
-- nothing. This table keeps how each run mapped each source's header
-- list: when a file is mapped otherwise than by the last run that did not
-- get reverted, its rows are compared field by field, and what the new
-- mapping gives is stored as ordinary updates.
CREATE TABLE IF NOT EXISTS import_mappings (
	source      TEXT NOT NULL,
	kind        TEXT NOT NULL,
	raw_headers INTEGER NOT NULL REFERENCES raw_headers(id),
	run_id      INTEGER NOT NULL REFERENCES runs(id),
	mapping     TEXT NOT NULL,
	PRIMARY KEY (source, kind, raw_headers, run_id)
) WITHOUT ROWID;
